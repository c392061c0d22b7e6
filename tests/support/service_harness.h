// Starts CloudCafe services in-process on ephemeral ports, each with its own
// temp data dir, exactly as `cloudcafe serve` would assemble them.
#pragma once

#include "app/config.h"
#include "app/running_service.h"
#include "services/gateway/gateway_config.h"
#include "services/menu/menu_config.h"

#include <filesystem>
#include <memory>
#include <string>

namespace cafe::test {

inline constexpr const char* kTestAdminToken = "test-admin-token-0123456789";

// A directory removed with everything in it when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Quiet defaults for tests: no access log lines, short health intervals.
app::AppConfig test_config();

struct StartedService {
  std::unique_ptr<app::RunningService> service;
  std::uint16_t port = 0;
  std::string address;

  // The ordered shutdown; fails the calling test when it overran.
  void stop();
};

// Creates and starts `name` ("menu" | "gateway"); fails the calling test
// (ADD_FAILURE) and returns an empty StartedService when it cannot start.
StartedService start_service(const std::string& name, const app::AppConfig& config,
                             const std::string& data_dir, bool with_admin_token = true);

}  // namespace cafe::test
