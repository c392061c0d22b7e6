// A gateway started in-process in front of upstreams the test scripts
// (support/scripted_server.h), which run on a context of their own.
#pragma once

#include "services/gateway/gateway_config.h"
#include "support/scripted_server.h"
#include "support/service_harness.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cafe::test {

class GatewayOverScriptedUpstreams : public testing::Test {
 protected:
  void TearDown() override {
    gateway_.stop();
    upstreams_.stop();
  }

  // The gateway with `menu_targets` in the "menu" group (the route table's
  // /api/menu/**), beside any groups the test set in gateway_config().
  void start_gateway(const std::vector<std::string>& menu_targets) {
    if (!menu_targets.empty()) gateway_config().targets.emplace_back("menu", menu_targets);
    gateway_ = start_service("gateway", config_, dir_.path().string());
    ASSERT_NE(gateway_.port, 0);
  }

  gateway::GatewayConfig& gateway_config() { return config_.service<gateway::GatewayConfig>("gateway"); }

  TempDir dir_;
  app::AppConfig config_ = test_config();
  http_client::testing::BackgroundContext upstreams_;
  StartedService gateway_;
};

}  // namespace cafe::test
