#include "platform/telemetry/log_line.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>

namespace cafe::telemetry {
namespace {

using namespace std::chrono;

const system_clock::time_point kTime = sys_days{year{2026} / 11 / 25} + 8h + 50min + 1s + 123ms;

boost::json::object parse_line(const std::string& line) {
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line only";
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(line, ec);
  EXPECT_FALSE(ec) << ec.message() << ": " << line;
  return ec ? boost::json::object() : value.as_object();
}

TEST(LogLine, HasFixedKeysThenFieldsInOrder) {
  const std::string line =
      format_log_line(kTime, Level::kInfo, {"menu", "menu-1"}, "order_placed",
                      {{"order_id", "o-1"}, {"lines", 3}, {"total", 4.5}, {"paid", true}});
  EXPECT_EQ(line, R"({"ts":"2026-11-25T08:50:01.123Z","level":"info","service":"menu","replica":"menu-1",)"
                  R"("event":"order_placed","order_id":"o-1","lines":3,"total":4.5,"paid":true})"
                  "\n");
}

TEST(LogLine, ParsesBackWithEveryField) {
  const std::size_t queued = 12;
  const std::string line = format_log_line(kTime, Level::kError, {"order", "order-2"}, "store_down",
                                           {{"queued", queued}, {"error", "timeout \"db\"\n"}});
  boost::json::object object = parse_line(line);
  EXPECT_EQ(object.at("ts").as_string(), "2026-11-25T08:50:01.123Z");
  EXPECT_EQ(object.at("level").as_string(), "error");
  EXPECT_EQ(object.at("service").as_string(), "order");
  EXPECT_EQ(object.at("replica").as_string(), "order-2");
  EXPECT_EQ(object.at("event").as_string(), "store_down");
  EXPECT_EQ(object.at("queued").as_int64(), 12);
  EXPECT_EQ(object.at("error").as_string(), "timeout \"db\"\n");
}

TEST(LogLine, StaysOneValidLineWhateverTheInput) {
  const std::string hostile("\"}\n{\"level\":\"error\0\xFF\\", 22);
  boost::json::object object =
      parse_line(format_log_line(kTime, Level::kWarn, {hostile, hostile}, hostile, {{hostile, hostile}}));
  EXPECT_EQ(object.at("level").as_string(), "warn");
  EXPECT_EQ(object.size(), 6u);
}

TEST(LogLine, WritesNonFiniteNumbersAsNull) {
  boost::json::object object = parse_line(format_log_line(
      kTime, Level::kDebug, {}, "e",
      {{"nan", std::nan("")}, {"inf", std::numeric_limits<double>::infinity()}, {"small", -0.25f}}));
  EXPECT_TRUE(object.at("nan").is_null());
  EXPECT_TRUE(object.at("inf").is_null());
  EXPECT_DOUBLE_EQ(object.at("small").as_double(), -0.25);
  EXPECT_EQ(object.at("level").as_string(), "debug");
}

TEST(LogLine, CutsLongValues) {
  boost::json::object object =
      parse_line(format_log_line(kTime, Level::kInfo, {}, "e", {{"body", std::string(10000, 'x')}}));
  EXPECT_EQ(object.at("body").as_string(), std::string(kMaxLogValueBytes, 'x') + "...");
}

TEST(LogLine, FormatsMillisecondsBeforeEpochCorrectly) {
  const std::string line = format_log_line(system_clock::time_point(-1ms), Level::kInfo, {}, "e", {});
  EXPECT_EQ(line.substr(0, 33), R"({"ts":"1969-12-31T23:59:59.999Z",)");
}

}  // namespace
}  // namespace cafe::telemetry
