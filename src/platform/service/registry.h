// The services this binary can run, one Definition each. The CLI's list of
// services, `--help`, the config file's sections and `serve`'s factory all
// read it, so adding a service is its folder plus one line where the
// registry is built (src/app/services.cpp).
#pragma once

#include "platform/service/definition.h"
#include "platform/service/limits_config.h"

#include <any>
#include <initializer_list>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::config {
class MapReader;
}

namespace cafe::service {

class Registry {
 public:
  // std::logic_error for a name that is malformed or listed twice, or a
  // Definition without a factory: the registry is code, not input.
  Registry(std::initializer_list<Definition> definitions);

  const Definition* find(std::string_view name) const;
  const std::vector<Definition>& definitions() const noexcept { return definitions_; }
  std::vector<std::string> names() const;
  // "menu, gateway"
  std::string joined_names() const;

 private:
  std::vector<Definition> definitions_;
};

// One service's part of the config file: its typed config and its limits.
struct ServiceSection {
  std::any config;
  LimitsConfig limits;
};

// Every service's section, by service name.
class Sections {
 public:
  // The typed config of `name`, created with its defaults when absent.
  // std::logic_error when the section holds another type (a bug).
  template <class Config>
  Config& get(std::string_view name) {
    ServiceSection& s = section(name);
    if (!s.config.has_value()) s.config = Config{};
    Config* typed = std::any_cast<Config>(&s.config);
    if (!typed) throw std::logic_error("config section " + std::string(name) + " holds another type");
    return *typed;
  }

  ServiceSection& section(std::string_view name);
  const ServiceSection* find(std::string_view name) const;

 private:
  std::map<std::string, ServiceSection, std::less<>> sections_;
};

// Reads each registered service's section (`<name>:`) from the document's
// root: the kit's `limits`, then the service's own keys. Absent sections
// get their defaults.
Sections read_sections(const Registry& registry, config::MapReader& root);

}  // namespace cafe::service
