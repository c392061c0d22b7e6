// What the supervisor's files share: its timings and bounds, and the small
// helpers its parts use. Not part of the supervisor's interface.
#pragma once

#include "cluster/process.h"
#include "platform/http/message.h"

#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <sys/wait.h>

namespace cafe::cluster::internal {

using namespace std::chrono_literals;

constexpr auto kTick = 50ms;
constexpr auto kProbeTimeout = 300ms;
constexpr auto kAdminCallTimeout = 1000ms;
constexpr auto kGatewaySyncInterval = 500ms;
constexpr auto kScrapeInterval = 2s;
constexpr auto kRotationInterval = 5s;
// Replicas are kept for the supervisor's life (tasks hold pointers to them);
// scaling and draining add new ones, up to this many.
constexpr std::size_t kMaxTrackedReplicas = 512;
constexpr std::uintmax_t kLogLimitBytes = std::uintmax_t{64} << 20;

inline std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return signal_name(WTERMSIG(status));
  return "status " + std::to_string(status);
}

inline std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

inline http::Request admin_request(http::Method method, std::string method_text, std::string target,
                                   const std::string& token, std::string body = {}) {
  http::Request req;
  req.method = method;
  req.method_text = std::move(method_text);
  req.target = std::move(target);
  req.headers.add("Authorization", "Bearer " + token);
  req.headers.add("User-Agent", "cloudcafe-supervisor");
  if (!body.empty()) {
    req.headers.add("Content-Type", "application/json");
    req.body = std::move(body);
  }
  return req;
}

inline std::string format_duration(std::chrono::seconds s) {
  const auto n = s.count();
  if (n < 60) return std::to_string(n) + "s";
  if (n < 3600) return std::to_string(n / 60) + "m" + std::to_string(n % 60) + "s";
  return std::to_string(n / 3600) + "h" + std::to_string((n % 3600) / 60) + "m";
}

}  // namespace cafe::cluster::internal
