#include "cluster/metrics_text.h"

#include "scratch_dir.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace cafe::cluster {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string error_of(std::string_view text) {
  auto r = parse_http_totals(text);
  if (r) {
    ADD_FAILURE() << "accepted:\n" << text;
    return {};
  }
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  return r.error().detail;
}

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

HttpTotals totals(double requests, std::vector<std::pair<double, double>> buckets) {
  return {.requests = requests, .buckets = std::move(buckets)};
}

// Scraped from `cloudcafe serve menu` after GET /health/live, /health/ready,
// /metrics, /menu (3x), /menu/items, /api/menu, /stores and a 404 on
// /menu/items/{item_id}: 7 requests that are not probes.
TEST(MetricsText, ReadsAMenuReplicasMetricsPageWithoutProbeRoutes) {
  const auto text = testing::read_file(std::string(CAFE_CLUSTER_TEST_DATA) + "/menu_metrics.txt");
  ASSERT_FALSE(text.empty());
  auto t = parse_http_totals(text);
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ(t->requests, 7);
  ASSERT_EQ(t->buckets.size(), 15u);
  EXPECT_EQ(t->buckets.front(), (std::pair<double, double>{0.0005, 3}));
  EXPECT_EQ(t->buckets[1], (std::pair<double, double>{0.001, 6}));
  EXPECT_EQ(t->buckets[2], (std::pair<double, double>{0.0025, 7}));
  EXPECT_EQ(t->buckets.back(), (std::pair<double, double>{kInf, 7}));
  for (std::size_t i = 1; i < t->buckets.size(); ++i) EXPECT_LT(t->buckets[i - 1].first, t->buckets[i].first);

  // Against an empty reading: the median lies in (0.5 ms, 1 ms], p99 in (1 ms, 2.5 ms].
  auto median = quantile({}, *t, 0.5);
  ASSERT_TRUE(median);
  EXPECT_NEAR(*median, 0.0005 + 0.0005 * (3.5 - 3) / (6 - 3), 1e-12);
  auto p99 = quantile({}, *t, 0.99);
  ASSERT_TRUE(p99);
  EXPECT_NEAR(*p99, 0.001 + 0.0015 * (6.93 - 6) / (7 - 6), 1e-12);
}

TEST(MetricsText, SumsBucketsAcrossRoutesAndLeavesOutHealthAndMetrics) {
  auto t = parse_http_totals(R"(# TYPE cloudcafe_http_requests_total counter
cloudcafe_http_requests_total{service="menu",method="GET",route="/menu",status="200"} 4
cloudcafe_http_requests_total{service="menu",method="POST",route="/menu/items",status="201"} 2
cloudcafe_http_requests_total{service="menu",method="GET",route="/health/live",status="200"} 100
cloudcafe_http_requests_total{service="menu",method="GET",route="/health",status="200"} 100
cloudcafe_http_requests_total{service="menu",method="GET",route="/metrics",status="200"} 100
cloudcafe_http_request_duration_seconds_bucket{route="/menu",le="0.1"} 3
cloudcafe_http_request_duration_seconds_bucket{route="/menu",le="+Inf"} 4
cloudcafe_http_request_duration_seconds_bucket{route="/menu/items",le="0.1"} 1
cloudcafe_http_request_duration_seconds_bucket{route="/menu/items",le="+Inf"} 2
cloudcafe_http_request_duration_seconds_bucket{route="/health/ready",le="0.1"} 50
cloudcafe_http_request_duration_seconds_bucket{route="/health/ready",le="+Inf"} 50
cloudcafe_http_request_duration_seconds_bucket{route="/metrics",le="0.1"} 50
cloudcafe_http_request_duration_seconds_bucket{route="/metrics",le="+Inf"} 50
cloudcafe_http_request_duration_seconds_count{route="/menu"} 4
cloudcafe_http_request_duration_seconds_sum{route="/menu"} 0.25
cloudcafe_http_connections_active{service="menu"} 1
)");
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ(t->requests, 6);
  EXPECT_EQ(t->buckets, (std::vector<std::pair<double, double>>{{0.1, 4}, {kInf, 6}}));
}

TEST(MetricsText, AcceptsTimestampsEscapedQuotesAndBracesInLabelValues) {
  auto t = parse_http_totals(
      "cloudcafe_http_requests_total{route=\"/a\\\",b}\",status=\"200\"} 4 1700000000000\n"
      "cloudcafe_http_requests_total{ route=\"/b\" , status=\"200\" } 1\n"
      "cloudcafe_http_requests_total 2\n");
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ(t->requests, 7);
}

TEST(MetricsText, EmptyTextHasNoRequests) {
  auto t = parse_http_totals("");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->requests, 0);
  EXPECT_TRUE(t->buckets.empty());
}

TEST(MetricsText, RefusesALineThatIsNotASampleNamingItsNumber) {
  EXPECT_TRUE(has(error_of("# HELP x y\n\ngarbage\n"), "line 3")) << error_of("# HELP x y\n\ngarbage\n");
  EXPECT_TRUE(has(error_of("{route=\"/menu\"} 1\n"), "line 1"));
}

TEST(MetricsText, RefusesUnclosedLabels) {
  const auto e = error_of("# c\ncloudcafe_http_requests_total{route=\"/menu\" 5\n");
  EXPECT_TRUE(has(e, "line 2")) << e;
}

TEST(MetricsText, RefusesARequestCountThatIsNotANumber) {
  EXPECT_TRUE(has(error_of("cloudcafe_http_requests_total{route=\"/menu\"} five\n"), "line 1"));
  EXPECT_TRUE(has(error_of("cloudcafe_http_requests_total{route=\"/menu\"} NaN\n"), "line 1"));
  EXPECT_TRUE(has(error_of("cloudcafe_http_requests_total{route=\"/menu\"}\n"), "line 1"));
  EXPECT_TRUE(has(error_of("cloudcafe_http_requests_total{route=\"/menu\"} 5x\n"), "line 1"));
}

TEST(MetricsText, RefusesABucketWithoutABound) {
  const auto e = error_of("\n\ncloudcafe_http_request_duration_seconds_bucket{route=\"/menu\"} 5\n");
  EXPECT_TRUE(has(e, "line 3")) << e;
  EXPECT_TRUE(has(error_of("cloudcafe_http_request_duration_seconds_bucket{route=\"/menu\",le=\"soon\"} 5\n"),
                  "line 1"));
}

// A NaN bound is equivalent to every other in the bucket map's ordering:
// counts of other bounds fold into it and the quantile comes out NaN.
TEST(MetricsText, RefusesABucketBoundThatIsNotANumber) {
  const auto e = error_of(
      "cloudcafe_http_request_duration_seconds_bucket{route=\"/menu\",le=\"0.1\"} 3\n"
      "cloudcafe_http_request_duration_seconds_bucket{route=\"/menu\",le=\"NaN\"} 4\n");
  EXPECT_TRUE(has(e, "line 2")) << e;
}

TEST(MetricsText, TakesALineOf64KiBAndRefusesALongerOne) {
  const std::string at_limit = "# " + std::string((64 << 10) - 2, 'x') + "\n";
  EXPECT_TRUE(parse_http_totals(at_limit));
  const std::string over = "# ok\n# " + std::string((64 << 10) - 1, 'x') + "\n";
  const auto e = error_of(over);
  EXPECT_TRUE(has(e, "line 2")) << e;
  EXPECT_TRUE(has(e, "64 KiB")) << e;
}

TEST(MetricsText, RefusesTextOver8MiB) {
  std::string line = "# " + std::string(1021, 'x') + "\n";  // 1 KiB
  std::string text;
  text.reserve((8 << 20) + 1);
  for (int i = 0; i < 8 * 1024; ++i) text += line;
  EXPECT_TRUE(parse_http_totals(text));
  text += "\n";
  EXPECT_TRUE(has(error_of(text), "8 MiB"));
}

std::string buckets_with_bounds(int bounds) {
  std::string text;
  for (int i = 1; i <= bounds; ++i)
    text += "cloudcafe_http_request_duration_seconds_bucket{route=\"/menu\",le=\"" + std::to_string(i) +
            "\"} " + std::to_string(i) + "\n";
  return text;
}

TEST(MetricsText, TakesAtMost256HistogramBounds) {
  auto most = parse_http_totals(buckets_with_bounds(256));
  ASSERT_TRUE(most) << most.error().detail;
  EXPECT_EQ(most->buckets.size(), 256u);
  EXPECT_TRUE(has(error_of(buckets_with_bounds(257)), "256"));
}

TEST(MetricsText, RequestRateIsTheCounterIncreasePerSecond) {
  EXPECT_DOUBLE_EQ(request_rate(totals(100, {}), totals(130, {}), 10), 3);
  EXPECT_DOUBLE_EQ(request_rate(totals(100, {}), totals(100, {}), 10), 0);
}

TEST(MetricsText, RequestRateIsZeroAfterACounterResetOrWithoutElapsedTime) {
  EXPECT_DOUBLE_EQ(request_rate(totals(100, {}), totals(5, {}), 10), 0);  // the replica restarted
  EXPECT_DOUBLE_EQ(request_rate(totals(100, {}), totals(130, {}), 0), 0);
}

TEST(MetricsText, QuantileInterpolatesInsideTheBucket) {
  const auto after = totals(20, {{0.1, 0}, {0.2, 10}, {0.4, 20}, {kInf, 20}});
  EXPECT_NEAR(*quantile({}, after, 0.75), 0.3, 1e-12);
  EXPECT_NEAR(*quantile({}, after, 0.25), 0.15, 1e-12);
  EXPECT_NEAR(*quantile({}, after, 1.0), 0.4, 1e-12);
}

TEST(MetricsText, QuantileCountsOnlyTheRequestsBetweenTheReadings) {
  const auto before = totals(5, {{0.1, 5}, {0.2, 5}, {kInf, 5}});
  const auto after = totals(15, {{0.1, 5}, {0.2, 15}, {kInf, 15}});
  EXPECT_NEAR(*quantile(before, after, 0.5), 0.15, 1e-12);
}

TEST(MetricsText, QuantileIsAbsentWithoutRequestsBetweenTheReadings) {
  const auto reading = totals(5, {{0.1, 5}, {kInf, 5}});
  EXPECT_EQ(quantile(reading, reading, 0.99), std::nullopt);
  EXPECT_EQ(quantile({}, {}, 0.99), std::nullopt);
  EXPECT_EQ(quantile({}, totals(0, {{0.1, 0}, {kInf, 0}}), 0.5), std::nullopt);
}

TEST(MetricsText, QuantileInTheInfiniteBucketIsTheLastFiniteBound) {
  const auto after = totals(4, {{0.1, 0}, {1, 0}, {kInf, 4}});
  EXPECT_EQ(quantile({}, after, 0.99), 1.0);
}

}  // namespace
}  // namespace cafe::cluster
