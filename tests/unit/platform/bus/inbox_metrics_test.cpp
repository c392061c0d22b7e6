#include "platform/bus/inbox_metrics.h"

#include "platform/telemetry/metrics.h"

#include <gtest/gtest.h>

namespace cafe::bus {
namespace {

TEST(InboxMetrics, CountsEachDecisionPerConsumer) {
  telemetry::Metrics metrics("loyalty");
  InboxMetrics inbox(metrics.registry());
  inbox.count("loyalty-earn", Admission::kApply);
  inbox.count("loyalty-earn", Admission::kDuplicate);
  inbox.count("loyalty-earn", Admission::kDuplicate);
  inbox.count("analytics", Admission::kStale);
  const std::string text = metrics.render();
  auto line_with = [&](const std::string& a, const std::string& b) {
    for (std::size_t at = 0; (at = text.find("cloudcafe_inbox_events_total{", at)) != std::string::npos;
         ++at) {
      const std::string line = text.substr(at, text.find('\n', at) - at);
      if (line.find(a) != std::string::npos && line.find(b) != std::string::npos) return line;
    }
    return std::string();
  };
  EXPECT_NE(line_with("consumer=\"loyalty-earn\"", "admission=\"duplicate\"").find("} 2"), std::string::npos)
      << text;
  EXPECT_NE(line_with("consumer=\"loyalty-earn\"", "admission=\"apply\"").find("} 1"), std::string::npos)
      << text;
  EXPECT_NE(line_with("consumer=\"analytics\"", "admission=\"stale\"").find("} 1"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace cafe::bus
