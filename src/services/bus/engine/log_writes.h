// How the embedded bus writes its log: the rows one call changes, as few
// multi-row statements, committed in one transaction (the database's
// single writer groups concurrent transactions into one commit).
#pragma once

#include "platform/sql/database.h"
#include "services/bus/engine/queue_state.h"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::bus::engine {

struct Statement {
  std::string sql;
  std::vector<sql::Value> params;
};

inline sql::Value integer(std::int64_t v) {
  return sql::Value(v);
}

// Many rows per statement (the bus writes tens of thousands a second), in
// chunks of 64, 16, 4 or 1 rows so that few distinct texts reach the
// statement cache: head + row + "," + row ... + tail, after `lead` params.
void add_rows(std::vector<Statement>& out, std::string_view head, std::string_view row, std::string_view tail,
              std::size_t per_row, const std::vector<sql::Value>& lead, std::vector<sql::Value> rows);

// "UPDATE bus_messages SET <set> WHERE seq IN (...)" for `seqs`.
void update_messages(std::vector<Statement>& out, std::string_view set, const std::vector<sql::Value>& lead,
                     const std::vector<std::int64_t>& seqs);
void delete_messages(std::vector<Statement>& out, const std::vector<std::int64_t>& seqs);
std::vector<std::int64_t> seqs_of(const std::vector<StoredMessage>& messages);

// Every statement in one transaction.
boost::asio::awaitable<Result<void>> write(sql::Database& db, std::vector<Statement> statements,
                                           Deadline deadline);

}  // namespace cafe::bus::engine
