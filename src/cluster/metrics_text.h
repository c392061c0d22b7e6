// What `cloudcafe status` shows per replica (requests per second, p99) read
// from the replica's own /metrics: the HTTP server's request counter and
// duration histogram, summed over routes, without the health and metrics
// endpoints that probes and scrapers hit and the bus's long polls. Two readings a few seconds apart
// give the rate and the quantile over that window.
#pragma once

#include "platform/core/error.h"

#include <optional>
#include <string_view>
#include <vector>

namespace cafe::cluster {

struct HttpTotals {
  double requests = 0;
  // Cumulative counts by upper bound (`le`), ascending; +Inf last.
  std::vector<std::pair<double, double>> buckets;
};

// Reads Prometheus text exposition (format 0.0.4). kInvalidArgument with
// the line number for a line that is not a sample, comment or blank.
// Lines are at most 64 KiB; the text at most 8 MiB.
Result<HttpTotals> parse_http_totals(std::string_view exposition);

// Requests per second between two readings `seconds` apart.
double request_rate(const HttpTotals& before, const HttpTotals& after, double seconds);

// The q-quantile (0..1) in seconds of the requests between the readings,
// by linear interpolation within the bucket (as Prometheus's
// histogram_quantile); nullopt when no request finished between them.
std::optional<double> quantile(const HttpTotals& before, const HttpTotals& after, double q);

}  // namespace cafe::cluster
