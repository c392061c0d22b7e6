// Feeds arbitrary bytes to the reader of a replica's /metrics page that
// `cloudcafe status` uses: the input is two readings (split at the first
// form feed), and the rate and quantiles between them are computed. Nothing
// here may crash; a refusal is kInvalidArgument and says why; the buckets
// come back in ascending order of bound.
#include "cluster/metrics_text.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void check_totals(const cafe::Result<cafe::cluster::HttpTotals>& totals) {
  if (!totals) {
    check(totals.error().code == cafe::ErrorCode::kInvalidArgument && !totals.error().detail.empty());
    return;
  }
  const auto& buckets = totals->buckets;
  check(buckets.size() <= 256);
  for (std::size_t i = 1; i < buckets.size(); ++i) check(buckets[i - 1].first < buckets[i].first);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto split = text.find('\f');
  const std::string_view first = text.substr(0, split);
  const std::string_view second = split == std::string_view::npos ? text : text.substr(split + 1);
  const auto before = cafe::cluster::parse_http_totals(first);
  const auto after = cafe::cluster::parse_http_totals(second);
  check_totals(before);
  check_totals(after);
  if (!before || !after) return 0;
  check(!(cafe::cluster::request_rate(*before, *after, 5.0) < 0));
  for (double q : {0.0, 0.5, 0.99, 1.0}) {
    (void)cafe::cluster::quantile(*before, *after, q);
    (void)cafe::cluster::quantile({}, *after, q);
  }
  return 0;
}
