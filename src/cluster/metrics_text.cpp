#include "cluster/metrics_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <string>

namespace cafe::cluster {

namespace {

constexpr std::string_view kRequests = "cloudcafe_http_requests_total";
constexpr std::string_view kBuckets = "cloudcafe_http_request_duration_seconds_bucket";
constexpr std::size_t kMaxText = std::size_t{8} << 20;
constexpr std::size_t kMaxLine = std::size_t{64} << 10;

std::optional<double> parse_number(std::string_view text) {
  if (text == "+Inf" || text == "Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// The value of label `name` in `{a="x",b="y"}`, escapes kept as written
// (only compared with plain names here).
std::optional<std::string_view> label(std::string_view labels, std::string_view name) {
  std::size_t i = 0;
  while (i < labels.size()) {
    const auto eq = labels.find('=', i);
    if (eq == std::string_view::npos || eq + 1 >= labels.size() || labels[eq + 1] != '"') return std::nullopt;
    std::string_view key = labels.substr(i, eq - i);
    while (!key.empty() && (key.front() == ',' || key.front() == ' ')) key.remove_prefix(1);
    std::size_t end = eq + 2;
    while (end < labels.size() && labels[end] != '"') end += labels[end] == '\\' ? 2 : 1;
    if (end >= labels.size()) return std::nullopt;
    if (key == name) return labels.substr(eq + 2, end - eq - 2);
    i = end + 1;
  }
  return std::nullopt;
}

// Routes left out of the figures: what probes and scrapers hit, and the
// bus's long polls, which wait up to 20 s by design and would make its p99
// say nothing about its sends and acks.
bool excluded_route(std::string_view labels) {
  auto route = label(labels, "route");
  if (!route) return false;
  return route->starts_with("/health") || *route == "/metrics" || *route == "/bus/queues/{queue}/receive" ||
         *route == "/bus/streams/{stream}/read";
}

}  // namespace

Result<HttpTotals> parse_http_totals(std::string_view text) {
  if (text.size() > kMaxText) return Error::invalid("metrics text over 8 MiB");
  HttpTotals totals;
  std::map<double, double> buckets;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const auto newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (line.size() > kMaxLine)
      return Error::invalid("metrics line " + std::to_string(line_number) + " over 64 KiB");
    if (line.empty() || line.front() == '#') continue;
    const auto name_end = line.find_first_of("{ ");
    if (name_end == std::string_view::npos || name_end == 0)
      return Error::invalid("metrics line " + std::to_string(line_number) + " is not a sample");
    const std::string_view name = line.substr(0, name_end);
    std::string_view labels;
    std::string_view rest = line.substr(name_end);
    if (rest.front() == '{') {
      const auto close = rest.rfind('}');
      if (close == std::string_view::npos)
        return Error::invalid("metrics line " + std::to_string(line_number) + " has unclosed labels");
      labels = rest.substr(1, close - 1);
      rest.remove_prefix(close + 1);
    }
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    const std::string_view value_text = rest.substr(0, rest.find(' '));  // a timestamp may follow
    if (name != kRequests && name != kBuckets) continue;
    if (excluded_route(labels)) continue;
    auto value = parse_number(value_text);
    if (!value || std::isnan(*value))
      return Error::invalid("metrics line " + std::to_string(line_number) + " has no numeric value");
    if (name == kRequests) {
      totals.requests += *value;
      continue;
    }
    auto le_text = label(labels, "le");
    auto le = le_text ? parse_number(*le_text) : std::nullopt;
    if (!le || std::isnan(*le))
      return Error::invalid("metrics line " + std::to_string(line_number) +
                            " is a bucket without a numeric `le`");
    if (buckets.size() >= 256 && !buckets.contains(*le))
      return Error::invalid("metrics text has over 256 histogram bounds");
    buckets[*le] += *value;
  }
  totals.buckets.assign(buckets.begin(), buckets.end());
  return totals;
}

double request_rate(const HttpTotals& before, const HttpTotals& after, double seconds) {
  if (seconds <= 0) return 0;
  return std::max(0.0, after.requests - before.requests) / seconds;
}

std::optional<double> quantile(const HttpTotals& before, const HttpTotals& after, double q) {
  // Counts in the window per bound; a bound missing before counts from zero
  // (a route seen for the first time).
  std::vector<std::pair<double, double>> window;
  window.reserve(after.buckets.size());
  for (const auto& [le, count] : after.buckets) {
    auto old = std::find_if(before.buckets.begin(), before.buckets.end(),
                            [&](const auto& b) { return b.first == le; });
    window.emplace_back(le, std::max(0.0, count - (old == before.buckets.end() ? 0.0 : old->second)));
  }
  if (window.empty()) return std::nullopt;
  const double total = window.back().second;
  if (total <= 0) return std::nullopt;
  const double rank = std::clamp(q, 0.0, 1.0) * total;
  double lower_bound = 0;
  double lower_count = 0;
  for (const auto& [le, count] : window) {
    if (count >= rank) {
      if (std::isinf(le)) return lower_bound;  // above the last finite bound: report that bound
      if (count == lower_count) return le;
      return lower_bound + (le - lower_bound) * (rank - lower_count) / (count - lower_count);
    }
    lower_bound = le;
    lower_count = count;
  }
  return lower_bound;
}

}  // namespace cafe::cluster
