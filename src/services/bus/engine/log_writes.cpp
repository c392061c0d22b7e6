#include "services/bus/engine/log_writes.h"

namespace cafe::bus::engine {

namespace asio = boost::asio;

void add_rows(std::vector<Statement>& out, std::string_view head, std::string_view row, std::string_view tail,
              std::size_t per_row, const std::vector<sql::Value>& lead, std::vector<sql::Value> rows) {
  const std::size_t count = rows.size() / per_row;
  std::size_t done = 0;
  while (done < count) {
    const std::size_t left = count - done;
    const std::size_t n = left >= 64 ? 64 : left >= 16 ? 16 : left >= 4 ? 4 : 1;
    Statement st;
    st.sql.reserve(head.size() + n * (row.size() + 1) + tail.size());
    st.sql.append(head);
    for (std::size_t i = 0; i < n; ++i) {
      if (i) st.sql.push_back(',');
      st.sql.append(row);
    }
    st.sql.append(tail);
    st.params.reserve(lead.size() + n * per_row);
    st.params.insert(st.params.end(), lead.begin(), lead.end());
    for (std::size_t k = done * per_row; k < (done + n) * per_row; ++k)
      st.params.push_back(std::move(rows[k]));
    out.push_back(std::move(st));
    done += n;
  }
}

void update_messages(std::vector<Statement>& out, std::string_view set, const std::vector<sql::Value>& lead,
                     const std::vector<std::int64_t>& seqs) {
  std::vector<sql::Value> keys;
  keys.reserve(seqs.size());
  for (auto seq : seqs) keys.push_back(integer(seq));
  const std::string head = "UPDATE bus_messages SET " + std::string(set) + " WHERE seq IN (";
  add_rows(out, head, "?", ")", 1, lead, std::move(keys));
}

void delete_messages(std::vector<Statement>& out, const std::vector<std::int64_t>& seqs) {
  std::vector<sql::Value> keys;
  keys.reserve(seqs.size());
  for (auto seq : seqs) keys.push_back(integer(seq));
  add_rows(out, "DELETE FROM bus_messages WHERE seq IN (", "?", ")", 1, {}, std::move(keys));
}

std::vector<std::int64_t> seqs_of(const std::vector<StoredMessage>& messages) {
  std::vector<std::int64_t> out;
  out.reserve(messages.size());
  for (const auto& m : messages) out.push_back(m.seq);
  return out;
}

// Every statement in one transaction; the database groups concurrent ones
// into one commit.
asio::awaitable<Result<void>> write(sql::Database& db, std::vector<Statement> statements, Deadline deadline) {
  if (statements.empty()) co_return Result<void>{};
  auto shared = std::make_shared<std::vector<Statement>>(std::move(statements));
  sql::TransactionBody body = [shared](sql::Transaction& t) -> Result<void> {
    for (const auto& st : *shared) {
      auto done = t.execute(st.sql, st.params);
      if (!done) return done.error();
    }
    return {};
  };
  co_return co_await db.transact(std::move(body), deadline);
}

}  // namespace cafe::bus::engine
