// Runs the built binary's CLI (`cloudcafe up ...`) or any program to
// completion, as a user at a shell would, with a deadline: its exit status
// and what it printed.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace cafe::test {

struct CliResult {
  int status = -1;  // exit status; -1 when it was killed at the deadline
  std::string out;
  std::string err;
};

// `program` with `args`; stdout and stderr captured separately. Killed
// (SIGKILL) at `timeout`.
CliResult run_program(const std::string& program, const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(60'000));

// `cloudcafe` (cloudcafe_binary()) with `args`.
CliResult run_cli(const std::vector<std::string>& args,
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(60'000));

}  // namespace cafe::test
