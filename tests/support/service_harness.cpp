#include "support/service_harness.h"

#include <gtest/gtest.h>

#include <random>

namespace cafe::test {

TempDir::TempDir() {
  std::random_device rd;
  const auto base = std::filesystem::temp_directory_path();
  for (int i = 0; i < 100; ++i) {
    auto candidate = base / ("cloudcafe-test-" + std::to_string(rd()));
    if (std::filesystem::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a temp dir");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

app::AppConfig test_config() {
  app::AppConfig config;
  config.log.access_log = false;
  config.log.level = "warn";
  config.service<menu::MenuConfig>("menu").refresh_interval = std::chrono::milliseconds(50);
  auto& gateway = config.service<gateway::GatewayConfig>("gateway");
  gateway.health_interval = std::chrono::milliseconds(100);
  gateway.health_timeout = std::chrono::milliseconds(200);
  gateway.health_rise = 1;
  gateway.health_fall = 1;
  return config;
}

void StartedService::stop() {
  if (!service) return;
  if (auto stopped = service->stop(); !stopped) ADD_FAILURE() << "shutdown: " << stopped.error().detail;
}

StartedService start_service(const std::string& name, const app::AppConfig& config,
                             const std::string& data_dir, bool with_admin_token) {
  app::RunOptions options;
  options.service = name;
  options.replica = name + "-test";
  options.data_dir = data_dir;
  if (with_admin_token) options.admin_token = kTestAdminToken;
  auto created = app::RunningService::create(config, options);
  if (!created) {
    ADD_FAILURE() << "cannot start " << name << ": " << created.error().detail;
    return {};
  }
  StartedService out;
  out.service = std::move(*created);
  out.port = out.service->port();
  out.address = out.service->address();
  if (auto started = out.service->start(); !started) {
    ADD_FAILURE() << "cannot start " << name << ": " << started.error().detail;
    return {};
  }
  return out;
}

}  // namespace cafe::test
