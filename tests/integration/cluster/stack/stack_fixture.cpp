#include "integration/cluster/stack/stack_fixture.h"

#include "cluster/stack/nats.h"
#include "cluster/stack/postgres.h"
#include "cluster/stack/redis.h"
#include "support/local_server.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

namespace cafe::test {

bool stack_binaries_or_report() {
  namespace stack = cluster::stack;
  for (auto found : {stack::postgres_bindir(), stack::redis_binary(), stack::nats_binary()}) {
    if (!found) {
      fail_or_skip("the real stack", found.error().detail);
      return false;
    }
  }
  return true;
}

std::unique_ptr<cluster::stack::RealStack> start_stack_or_report(const std::filesystem::path& dir) {
  if (!stack_binaries_or_report()) return nullptr;
  auto started = cluster::stack::RealStack::start({.dir = dir});
  if (!started) {
    ADD_FAILURE() << "the stack did not start: " << started.error().detail;
    return nullptr;
  }
  return std::move(*started);
}

Result<std::string> query_value(const std::string& conninfo, const std::string& sql) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn);
    PQfinish(conn);
    return Error::unavailable(why);
  }
  PGresult* result = PQexec(conn, sql.c_str());
  const auto status = PQresultStatus(result);
  Result<std::string> out = std::string();
  if (status == PGRES_TUPLES_OK) {
    if (PQntuples(result) > 0) out = std::string(PQgetvalue(result, 0, 0));
  } else if (status != PGRES_COMMAND_OK) {
    out = Error::unavailable(PQresultErrorMessage(result));
  }
  PQclear(result);
  PQfinish(conn);
  return out;
}

}  // namespace cafe::test
