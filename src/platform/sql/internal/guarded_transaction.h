// What both backends share when they run a transaction body: the view of the
// connection a body gets (it may not issue BEGIN/COMMIT/SAVEPOINT itself,
// and after one failed statement every later one fails the same way), and
// the wall that keeps a body's exception inside the layer.
#pragma once

#include "platform/core/deadline.h"
#include "platform/sql/database.h"
#include "platform/sql/internal/sql_text.h"

#include <exception>
#include <optional>
#include <string>

namespace cafe::sql::internal {

template <class Connection>
class GuardedTransaction final : public Transaction {
 public:
  GuardedTransaction(Connection& conn, Deadline deadline) : conn_(conn), deadline_(deadline) {}

  Result<Rows> execute(std::string_view sql, std::span<const Value> params) override {
    if (failure_) return *failure_;
    if (is_transaction_control(sql)) {
      failure_ = Error::internal("a transaction body cannot control the transaction");
      return *failure_;
    }
    auto rows = conn_.execute(sql, params, deadline_);
    if (!rows) failure_ = rows.error();
    return rows;
  }

  // The first statement that failed, if any: the transaction must roll back.
  const std::optional<Error>& failure() const noexcept { return failure_; }

 private:
  Connection& conn_;
  const Deadline deadline_;
  std::optional<Error> failure_;
};

// Runs the body; its outcome is the body's own error if it returned one,
// else the first failed statement's, else success. An exception is a bug
// in the body; it stays inside the layer so that neither the database
// thread nor the rest of a commit group sees it.
template <class Connection>
Result<void> run_body(const TransactionBody& body, GuardedTransaction<Connection>& txn) {
  Result<void> outcome;
  try {
    outcome = body(txn);
  } catch (const std::exception& e) {
    return Error::internal(std::string("transaction body threw: ") + e.what());
  } catch (...) {
    return Error::internal("transaction body threw a non-standard exception");
  }
  if (outcome && txn.failure()) return *txn.failure();
  return outcome;
}

}  // namespace cafe::sql::internal
