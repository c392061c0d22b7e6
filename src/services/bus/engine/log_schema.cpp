#include "services/bus/engine/log_schema.h"

namespace cafe::bus::engine {

std::span<const sql::Migration> migrations() {
  static const sql::Migration kMigrations[] = {
      {1, "bus log",
       R"sql(
CREATE TABLE bus_queues (
  name TEXT PRIMARY KEY,
  visibility_ms BIGINT NOT NULL,
  max_receives BIGINT NOT NULL,
  max_messages BIGINT NOT NULL,
  max_bytes BIGINT NOT NULL,
  dead_retention_ms BIGINT NOT NULL);
CREATE TABLE bus_messages (
  seq BIGINT PRIMARY KEY,
  queue TEXT NOT NULL,
  message_id TEXT NOT NULL,
  body TEXT NOT NULL,
  sent_at_ms BIGINT NOT NULL,
  visible_at_ms BIGINT NOT NULL,
  receive_count BIGINT NOT NULL,
  dead BIGINT NOT NULL);
CREATE INDEX bus_messages_by_queue ON bus_messages (queue, seq);
CREATE TABLE bus_streams (
  name TEXT PRIMARY KEY,
  max_age_ms BIGINT NOT NULL,
  max_bytes BIGINT NOT NULL);
CREATE TABLE bus_records (
  stream TEXT NOT NULL,
  record_offset BIGINT NOT NULL,
  partition_key TEXT NOT NULL,
  record_id TEXT NOT NULL,
  body TEXT NOT NULL,
  appended_at_ms BIGINT NOT NULL,
  PRIMARY KEY (stream, record_offset));
CREATE TABLE bus_groups (
  stream TEXT NOT NULL,
  group_name TEXT NOT NULL,
  committed_offset BIGINT NOT NULL,
  PRIMARY KEY (stream, group_name));
)sql"},
  };
  return kMigrations;
}

}  // namespace cafe::bus::engine
