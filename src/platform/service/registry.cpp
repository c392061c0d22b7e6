#include "platform/service/registry.h"

#include "platform/config/map_reader.h"

#include <algorithm>

namespace cafe::service {
namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 32 || name.front() < 'a' || name.front() > 'z') return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

}  // namespace

Registry::Registry(std::initializer_list<Definition> definitions) {
  for (const auto& d : definitions) {
    if (!valid_name(d.name))
      throw std::logic_error("service name '" + d.name + "' must match [a-z][a-z0-9-]*");
    if (find(d.name)) throw std::logic_error("service " + d.name + " is registered twice");
    if (!d.make || !d.default_config || !d.read_config) {
      throw std::logic_error("service " + d.name + " has an incomplete definition");
    }
    definitions_.push_back(d);
  }
}

const Definition* Registry::find(std::string_view name) const {
  for (const auto& d : definitions_) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::vector<std::string> Registry::names() const {
  std::vector<std::string> out;
  out.reserve(definitions_.size());
  for (const auto& d : definitions_) out.push_back(d.name);
  return out;
}

std::string Registry::joined_names() const {
  std::string out;
  for (const auto& d : definitions_) out += (out.empty() ? "" : ", ") + d.name;
  return out;
}

ServiceSection& Sections::section(std::string_view name) {
  auto it = sections_.find(name);
  if (it == sections_.end()) it = sections_.emplace(std::string(name), ServiceSection{}).first;
  return it->second;
}

const ServiceSection* Sections::find(std::string_view name) const {
  auto it = sections_.find(name);
  return it == sections_.end() ? nullptr : &it->second;
}

Sections read_sections(const Registry& registry, config::MapReader& root) {
  Sections sections;
  for (const auto& d : registry.definitions()) {
    ServiceSection& s = sections.section(d.name);
    s.config = d.default_config();
    root.section(d.name, [&](config::MapReader& r) {
      r.section("limits", [&](config::MapReader& l) { read_limits_config(l, s.limits); });
      d.read_config(r, s.config);
    });
  }
  return sections;
}

}  // namespace cafe::service
