// Lexical helpers over SQL text shared by both backends. They understand
// just enough SQL to stay out of quoted strings, quoted identifiers,
// dollar-quoted bodies and comments.
#pragma once

#include <string>
#include <string_view>

namespace cafe::sql::internal {

struct NumberedSql {
  std::string text;       // `?` replaced by `$1`, `$2`, ...
  std::size_t count = 0;  // how many placeholders were found
};

// Rewrites `?` placeholders to PostgreSQL's `$n`. A `?` inside '...',
// "...", $tag$...$tag$, -- or /* */ is left alone. Portable SQL does not
// use PostgreSQL's `?`, `?|`, `?&` JSON operators.
NumberedSql number_placeholders(std::string_view sql);

// Counts the `?` placeholders outside quotes and comments.
std::size_t count_placeholders(std::string_view sql);

// True when the statement starts a, ends a or nests a transaction (BEGIN,
// COMMIT, ROLLBACK, SAVEPOINT, RELEASE, END, START). A transaction body
// must not run these: the layer owns transaction boundaries, and on SQLite
// one body's COMMIT would end its neighbours' transactions too.
bool is_transaction_control(std::string_view sql);

// Removes row-locking clauses — FOR UPDATE, FOR NO KEY UPDATE, FOR SHARE,
// FOR KEY SHARE, each with an optional OF list and NOWAIT or SKIP LOCKED —
// for SQLite, which has no row locks because its single writer already
// serialises transactions. Text in quotes or comments is left alone.
std::string strip_row_locks(std::string_view sql);

}  // namespace cafe::sql::internal
