// `cloudcafe logs`: the JSON lines every replica (and the supervisor)
// writes under <data-dir>/logs, merged in time order, shown as they are
// (`--json`) or in a form people read:
//   21:06:53.798 menu/1       info  listening address=127.0.0.1:41063 admin=true
// Each file is already in time order, so the merge streams: one line per
// file in memory, however large the files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::cluster {

// The readable form of one log line; a line that is not a JSON object
// (a crash report on stderr) comes back unchanged.
std::string pretty_log_line(std::string_view line);

// The log files under `logs_dir` that `filter` selects: empty = all; a
// service name ("menu") = its replicas; a replica ("menu/1" or "menu-1").
std::vector<std::filesystem::path> log_files(const std::filesystem::path& logs_dir,
                                             const std::string& filter);

// Calls `emit` with every line of `files`, merged by their "ts" field (a
// line without one sorts with the line before it in its file). Returns the
// byte offset reached in each file (for follow()).
std::map<std::filesystem::path, std::uintmax_t> merge_logs(const std::vector<std::filesystem::path>& files,
                                                           const std::function<void(std::string_view)>& emit);

// Reads what was appended to `files` since `offsets` (new files from 0, a
// truncated file from its start again), complete lines only, and emits them
// in time order. At most `max_bytes` per file per call.
void read_appended(const std::vector<std::filesystem::path>& files,
                   std::map<std::filesystem::path, std::uintmax_t>& offsets,
                   const std::function<void(std::string_view)>& emit, std::uintmax_t max_bytes = 1 << 20);

}  // namespace cafe::cluster
