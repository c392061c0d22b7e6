#include "cluster/stack/pid_records.h"

#include "cluster/process.h"
#include "cluster/stack/atomic_file.h"

#include <fstream>
#include <sstream>

namespace cafe::cluster::stack {

std::uint64_t process_start_time(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return 0;
  // "pid (comm) state ppid ..." — comm may hold spaces; field 22 is the
  // 20th after the closing parenthesis.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  for (int i = 3; i < 22; ++i) rest >> field;
  std::uint64_t start = 0;
  rest >> start;
  return rest ? start : 0;
}

Result<void> write_pid_record(const std::filesystem::path& run_dir, const PidRecord& record) {
  std::ostringstream text;
  text << record.pid << ' ' << record.start_time << ' ' << record.stop_signal << '\n';
  return write_file_atomically(run_dir / (record.name + ".pid"), text.str());
}

void remove_pid_record(const std::filesystem::path& run_dir, const std::string& name) {
  std::error_code ignored;
  std::filesystem::remove(run_dir / (name + ".pid"), ignored);
}

std::vector<PidRecord> read_pid_records(const std::filesystem::path& run_dir) {
  std::vector<PidRecord> records;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(run_dir, ec)) {
    if (entry.path().extension() != ".pid") continue;
    std::ifstream in(entry.path());
    PidRecord record;
    record.name = entry.path().stem().string();
    if (in >> record.pid >> record.start_time >> record.stop_signal && record.pid > 0) {
      records.push_back(std::move(record));
    }
  }
  return records;
}

bool still_running(const PidRecord& record) {
  return process_alive(record.pid) && process_start_time(record.pid) == record.start_time;
}

}  // namespace cafe::cluster::stack
