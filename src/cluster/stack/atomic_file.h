// Files other processes read while the supervisor rewrites them (pid
// records, Prometheus' service discovery): written to a temporary name in
// the same directory, flushed, then renamed over the old one, so a reader
// sees the old content or the new, never half of it.
#pragma once

#include "platform/core/error.h"

#include <filesystem>
#include <string_view>

namespace cafe::cluster::stack {

Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace cafe::cluster::stack
