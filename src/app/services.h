// The services this binary runs: the registry the CLI, --help, the config
// file and `serve` read.
#pragma once

#include "platform/service/registry.h"

namespace cafe::app {

const service::Registry& services();

}  // namespace cafe::app
