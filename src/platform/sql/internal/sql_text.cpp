#include "platform/sql/internal/sql_text.h"

#include <array>
#include <cctype>

namespace cafe::sql::internal {
namespace {

bool is_ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Returns the index just past the quoted or commented span starting at
// `i`, or `i` when no such span starts there. Unterminated spans run to
// the end: the server reports the syntax error.
std::size_t skip_non_code(std::string_view s, std::size_t i) {
  const char c = s[i];
  if (c == '\'' || c == '"') {
    // Both quote kinds escape themselves by doubling, which this loop
    // handles as two adjacent spans.
    const std::size_t end = s.find(c, i + 1);
    return end == std::string_view::npos ? s.size() : end + 1;
  }
  if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
    const std::size_t end = s.find('\n', i + 2);
    return end == std::string_view::npos ? s.size() : end + 1;
  }
  if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
    const std::size_t end = s.find("*/", i + 2);
    return end == std::string_view::npos ? s.size() : end + 2;
  }
  if (c == '$' && (i == 0 || !is_ident_char(s[i - 1]))) {
    // $tag$ ... $tag$ (the tag may be empty); `$1` is a parameter, not a quote.
    const bool parameter = i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]));
    std::size_t j = i + 1;
    while (!parameter && j < s.size() && is_ident_char(s[j])) ++j;
    if (!parameter && j < s.size() && s[j] == '$') {
      const std::string_view tag = s.substr(i, j - i + 1);
      const std::size_t end = s.find(tag, j + 1);
      return end == std::string_view::npos ? s.size() : end + tag.size();
    }
  }
  return i;
}

template <class OnCode, class OnPlaceholder>
void scan(std::string_view s, OnCode on_code, OnPlaceholder on_placeholder) {
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t skipped = skip_non_code(s, i);
    if (skipped != i) {
      on_code(s.substr(i, skipped - i));
      i = skipped;
    } else if (s[i] == '?') {
      on_placeholder();
      ++i;
    } else {
      on_code(s.substr(i, 1));
      ++i;
    }
  }
}

}  // namespace

NumberedSql number_placeholders(std::string_view sql) {
  NumberedSql out;
  out.text.reserve(sql.size() + 8);
  scan(
      sql, [&](std::string_view code) { out.text.append(code); },
      [&] {
        out.text.push_back('$');
        out.text.append(std::to_string(++out.count));
      });
  return out;
}

std::size_t count_placeholders(std::string_view sql) {
  std::size_t count = 0;
  scan(sql, [](std::string_view) {}, [&] { ++count; });
  return count;
}

bool is_transaction_control(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i]))) {
      ++i;
      continue;
    }
    const std::size_t skipped = (sql[i] == '-' || sql[i] == '/') ? skip_non_code(sql, i) : i;
    if (skipped == i) break;
    i = skipped;
  }
  std::size_t end = i;
  while (end < sql.size() && is_ident_char(sql[end])) ++end;
  std::string word;
  for (char c : sql.substr(i, end - i))
    word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  static constexpr std::array<std::string_view, 7> kControl = {"BEGIN",   "COMMIT", "ROLLBACK", "SAVEPOINT",
                                                               "RELEASE", "END",    "START"};
  for (std::string_view k : kControl) {
    if (word == k) return true;
  }
  return false;
}

}  // namespace cafe::sql::internal
