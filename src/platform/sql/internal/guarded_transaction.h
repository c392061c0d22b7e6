// What both backends share when they run a transaction body: the view of the
// connection a body gets (it may not issue BEGIN/COMMIT/SAVEPOINT itself)
// and the wall that keeps a body's exception inside the layer.
#pragma once

#include "platform/sql/database.h"
#include "platform/sql/internal/sql_text.h"

#include <exception>
#include <string>

namespace cafe::sql::internal {

template <class Connection>
class GuardedTransaction final : public Transaction {
 public:
  explicit GuardedTransaction(Connection& conn) : conn_(conn) {}

  Result<Rows> execute(std::string_view sql, std::span<const Value> params) override {
    if (is_transaction_control(sql))
      return Error::internal("a transaction body cannot control the transaction");
    return conn_.execute(sql, params);
  }

 private:
  Connection& conn_;
};

// An exception is a bug in the body; it stays inside the layer so that
// neither the database thread nor the rest of a commit group sees it.
inline Result<void> run_body(const TransactionBody& body, Transaction& txn) {
  try {
    return body(txn);
  } catch (const std::exception& e) {
    return Error::internal(std::string("transaction body threw: ") + e.what());
  } catch (...) {
    return Error::internal("transaction body threw a non-standard exception");
  }
}

}  // namespace cafe::sql::internal
