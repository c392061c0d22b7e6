#include "platform/sql/internal/sql_text.h"

#include <array>
#include <cctype>
#include <vector>

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

std::string upper(std::string_view word) {
  std::string out;
  out.reserve(word.size());
  for (char c : word) out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

// A statement cut into spans: words, runs of whitespace, quoted or
// commented spans, and single other characters.
struct Token {
  std::string_view text;
  enum Kind { kWord, kSpace, kQuoted, kOther } kind;
};

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t end = skip_non_code(s, i);
    Token::Kind kind = Token::kQuoted;
    if (end == i) {
      end = i + 1;
      if (is_ident_char(s[i])) {
        kind = Token::kWord;
        while (end < s.size() && is_ident_char(s[end])) ++end;
      } else if (std::isspace(static_cast<unsigned char>(s[i]))) {
        kind = Token::kSpace;
        while (end < s.size() && std::isspace(static_cast<unsigned char>(s[end]))) ++end;
      } else {
        kind = Token::kOther;
      }
    }
    out.push_back({s.substr(i, end - i), kind});
    i = end;
  }
  return out;
}

class TokenCursor {
 public:
  TokenCursor(const std::vector<Token>& tokens, std::size_t at) : tokens_(tokens), at_(at) {}

  // Skips whitespace and comments; true when the next token is `word`
  // (upper case), which it then consumes.
  bool take_word(std::string_view word) {
    const std::size_t k = next();
    if (k >= tokens_.size() || tokens_[k].kind != Token::kWord || upper(tokens_[k].text) != word)
      return false;
    at_ = k + 1;
    return true;
  }
  // A table name in an OF list: a word or a quoted identifier.
  bool take_name() {
    const std::size_t k = next();
    if (k >= tokens_.size()) return false;
    if (tokens_[k].kind != Token::kWord && !(tokens_[k].kind == Token::kQuoted && tokens_[k].text[0] == '"'))
      return false;
    at_ = k + 1;
    return true;
  }
  bool take_char(char c) {
    const std::size_t k = next();
    if (k >= tokens_.size() || tokens_[k].kind != Token::kOther || tokens_[k].text[0] != c) return false;
    at_ = k + 1;
    return true;
  }
  std::size_t position() const noexcept { return at_; }

 private:
  std::size_t next() const {
    std::size_t k = at_;
    while (k < tokens_.size() && (tokens_[k].kind == Token::kSpace ||
                                  (tokens_[k].kind == Token::kQuoted && tokens_[k].text[0] != '\'' &&
                                   tokens_[k].text[0] != '"' && tokens_[k].text[0] != '$'))) {
      ++k;
    }
    return k;
  }

  const std::vector<Token>& tokens_;
  std::size_t at_;
};

// Where the locking clause that starts with the FOR at `at` ends, or `at`
// when the FOR there starts no locking clause (FOR EACH ROW in a trigger).
std::size_t locking_clause_end(const std::vector<Token>& tokens, std::size_t at) {
  TokenCursor c(tokens, at + 1);
  const bool strength = c.take_word("UPDATE") || c.take_word("SHARE") ||
                        (c.take_word("NO") && c.take_word("KEY") && c.take_word("UPDATE")) ||
                        (c.take_word("KEY") && c.take_word("SHARE"));
  if (!strength) return at;
  std::size_t end = c.position();
  if (c.take_word("OF") && c.take_name()) {
    end = c.position();
    while (c.take_char(',') && c.take_name()) end = c.position();
  }
  TokenCursor wait_policy(tokens, end);
  if (wait_policy.take_word("NOWAIT") || (wait_policy.take_word("SKIP") && wait_policy.take_word("LOCKED"))) {
    end = wait_policy.position();
  }
  return end;
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

std::string strip_row_locks(std::string_view sql) {
  const std::vector<Token> tokens = tokenize(sql);
  std::string out;
  out.reserve(sql.size());
  std::size_t i = 0;
  while (i < tokens.size()) {
    if (tokens[i].kind == Token::kWord && upper(tokens[i].text) == "FOR") {
      const std::size_t end = locking_clause_end(tokens, i);
      if (end != i) {
        while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
        i = end;
        continue;
      }
    }
    out.append(tokens[i].text);
    ++i;
  }
  return out;
}

}  // namespace cafe::sql::internal
