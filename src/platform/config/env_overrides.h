// Environment overrides: CLOUDCAFE_MENU__CACHE__BACKEND=redis sets
// menu.cache.backend. Path segments are joined by "__" and lowercased, so a
// key with capitals cannot be overridden. Values are parsed as YAML (a
// plain scalar, "quoted", or a flow list such as [a, b]) and replace the
// node at that path, creating mappings on the way. A MapReader run on the
// document afterwards type-checks them like file values and names the
// variable in its messages (`CLOUDCAFE_X__Y: x.y: expected an integer, got
// "abc"`); an override of a key the program does not read is reported by
// MapReader::finish() as an unknown key, also naming the variable.
#pragma once

#include "platform/config/document.h"
#include "platform/core/error.h"

#include <span>
#include <string>
#include <vector>

namespace cafe::config {

struct EnvOverrideOptions {
  std::string prefix = "CLOUDCAFE_";
  // Variables with the prefix that are not config paths, such as
  // CLOUDCAFE_ADMIN_TOKEN and CLOUDCAFE_ADMIN_TOKEN_FILE.
  std::vector<std::string> ignore;
};

// `environment` holds "NAME=VALUE" strings (see process_environment()).
// Applies them in order (a later one wins) and fails, naming each variable,
// when a name is not a path, a value is not valid YAML, or a path goes
// through a scalar or a list.
Result<void> apply_env_overrides(Document& document, std::span<const std::string> environment,
                                 const EnvOverrideOptions& options);

// This process's environment as "NAME=VALUE" strings.
std::vector<std::string> process_environment();

}  // namespace cafe::config
