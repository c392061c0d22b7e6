#include "platform/telemetry/metrics.h"

#include "platform/telemetry/log.h"

#include <prometheus/text_serializer.h>

#include <utility>

namespace cafe::telemetry {
namespace {

prometheus::Counter& build_log_drop_counter(prometheus::Registry& registry, const std::string& service) {
  return prometheus::BuildCounter()
      .Name("cloudcafe_log_lines_dropped_total")
      .Help("Log lines lost because the log queue was full or the log file refused them")
      .Labels({{"service", service}})
      .Register(registry)
      .Add({});
}

}  // namespace

Metrics::Metrics(std::string service)
    : service_(std::move(service)),
      registry_(std::make_shared<prometheus::Registry>()),
      log_lines_dropped_(build_log_drop_counter(*registry_, service_)) {}

std::string Metrics::render() const {
  std::lock_guard lock(render_mutex_);
  // A counter only moves up, so it is advanced by the difference; the
  // mutex keeps two renders from adding the same difference twice.
  const double dropped = static_cast<double>(dropped_log_lines());
  const double shown = log_lines_dropped_.Value();
  if (dropped > shown) log_lines_dropped_.Increment(dropped - shown);
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace cafe::telemetry
