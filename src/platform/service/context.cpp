#include "platform/service/context.h"

#include "platform/http/server.h"
#include "platform/service/concurrency_limiter.h"
#include "platform/telemetry/log.h"

#include <stdexcept>

namespace cafe::service {

sql::Database& ServiceContext::database() const {
  if (!parts_.database) {
    throw std::logic_error("service " + parts_.service +
                           " asked for a database its Definition did not declare");
  }
  return *parts_.database;
}

bus::Bus& ServiceContext::bus() const {
  if (!parts_.bus) {
    throw std::logic_error("service " + parts_.service + " asked for a bus its Definition did not declare");
  }
  return *parts_.bus;
}

bus::OutboxRelay& ServiceContext::outbox_relay() const {
  if (!parts_.outbox_relay) {
    throw std::logic_error("service " + parts_.service + " asked for an outbox relay but keeps no outbox");
  }
  return *parts_.outbox_relay;
}

bus::InboxMetrics& ServiceContext::inbox_metrics() const {
  if (!parts_.inbox_metrics) {
    throw std::logic_error("service " + parts_.service + " asked for inbox metrics but keeps no inbox");
  }
  return *parts_.inbox_metrics;
}

cache::Cache& ServiceContext::cache() const {
  if (!parts_.cache) {
    throw std::logic_error("service " + parts_.service + " asked for a cache its Definition did not declare");
  }
  return *parts_.cache;
}

void ServiceContext::log(telemetry::Level level, std::string_view event,
                         std::initializer_list<telemetry::LogField> fields) const {
  telemetry::log(level, event, fields);
}

ConcurrencyLimiter& ServiceContext::dependency_limit(std::string_view dependency) const {
  return parts_.limits->dependency(dependency);
}

std::size_t ServiceContext::io_threads() const {
  return parts_.server->thread_count();
}

boost::asio::any_io_executor ServiceContext::executor(std::size_t index) const {
  return parts_.server->executor(index);
}

}  // namespace cafe::service
