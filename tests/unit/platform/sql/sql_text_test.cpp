#include "platform/sql/internal/sql_text.h"

#include <gtest/gtest.h>

namespace cafe::sql::internal {
namespace {

TEST(NumberPlaceholders, NumbersEachPlaceholderInOrder) {
  const auto out = number_placeholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?)");
  EXPECT_EQ(out.text, "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)");
  EXPECT_EQ(out.count, 3u);
}

TEST(NumberPlaceholders, LeavesQuestionMarksInStringsAndIdentifiersAlone) {
  const auto out = number_placeholders(R"(SELECT '?', 'it''s ?', "col?" FROM t WHERE x = ?)");
  EXPECT_EQ(out.text, R"(SELECT '?', 'it''s ?', "col?" FROM t WHERE x = $1)");
  EXPECT_EQ(out.count, 1u);
}

TEST(NumberPlaceholders, LeavesQuestionMarksInCommentsAlone) {
  const auto out = number_placeholders("SELECT ? -- why?\n, /* or ? */ ?");
  EXPECT_EQ(out.text, "SELECT $1 -- why?\n, /* or ? */ $2");
  EXPECT_EQ(out.count, 2u);
}

TEST(NumberPlaceholders, LeavesDollarQuotedBodiesAlone) {
  const auto out = number_placeholders("SELECT $$a ? b$$, $fn$ ? $fn$, ?");
  EXPECT_EQ(out.text, "SELECT $$a ? b$$, $fn$ ? $fn$, $1");
  EXPECT_EQ(out.count, 1u);
}

TEST(NumberPlaceholders, DoesNotMistakeExistingParametersForDollarQuotes) {
  const auto out = number_placeholders("SELECT $1, ?");
  EXPECT_EQ(out.text, "SELECT $1, $1");
  EXPECT_EQ(out.count, 1u);
}

TEST(NumberPlaceholders, StopsAtTheEndOfAnUnterminatedString) {
  const auto out = number_placeholders("SELECT ?, 'open ?");
  EXPECT_EQ(out.text, "SELECT $1, 'open ?");
  EXPECT_EQ(out.count, 1u);
}

TEST(NumberPlaceholders, NumbersBeyondNine) {
  std::string sql = "VALUES (";
  for (int i = 0; i < 12; ++i) sql += i == 0 ? "?" : ",?";
  sql += ")";
  const auto out = number_placeholders(sql);
  EXPECT_EQ(out.count, 12u);
  EXPECT_NE(out.text.find("$10,$11,$12)"), std::string::npos);
}

TEST(CountPlaceholders, CountsOnlyCodePlaceholders) {
  EXPECT_EQ(count_placeholders("SELECT '?' || ? /* ? */"), 1u);
  EXPECT_EQ(count_placeholders("SELECT 1"), 0u);
}

TEST(TransactionControl, RecognisesStatementsThatEndOrNestATransaction) {
  EXPECT_TRUE(is_transaction_control("COMMIT"));
  EXPECT_TRUE(is_transaction_control("  rollback to x"));
  EXPECT_TRUE(is_transaction_control("-- note\n/* c */ Begin"));
  EXPECT_TRUE(is_transaction_control("savepoint a"));
  EXPECT_TRUE(is_transaction_control("END"));
}

TEST(TransactionControl, AcceptsOrdinaryStatements) {
  EXPECT_FALSE(is_transaction_control("SELECT 'COMMIT'"));
  EXPECT_FALSE(is_transaction_control("INSERT INTO commits VALUES (1)"));
  EXPECT_FALSE(is_transaction_control("UPDATE t SET ended = 1"));
  EXPECT_FALSE(is_transaction_control(""));
}

TEST(StripRowLocks, RemovesEveryLockingClause) {
  EXPECT_EQ(strip_row_locks("SELECT qty FROM stock WHERE id = ? FOR UPDATE"),
            "SELECT qty FROM stock WHERE id = ?");
  EXPECT_EQ(strip_row_locks("select qty from stock for update;"), "select qty from stock;");
  EXPECT_EQ(strip_row_locks("SELECT 1 FROM a FOR NO KEY UPDATE NOWAIT"), "SELECT 1 FROM a");
  EXPECT_EQ(strip_row_locks("SELECT 1 FROM a, b FOR SHARE OF a, \"b\" SKIP LOCKED"), "SELECT 1 FROM a, b");
  EXPECT_EQ(strip_row_locks("SELECT 1 FROM a FOR KEY SHARE\n  -- why\n"), "SELECT 1 FROM a\n  -- why\n");
  EXPECT_EQ(strip_row_locks("SELECT * FROM (SELECT id FROM a FOR UPDATE) AS x"),
            "SELECT * FROM (SELECT id FROM a) AS x");
}

TEST(StripRowLocks, LeavesOtherTextAlone) {
  EXPECT_EQ(strip_row_locks("SELECT 'FOR UPDATE' AS f -- FOR UPDATE"),
            "SELECT 'FOR UPDATE' AS f -- FOR UPDATE");
  EXPECT_EQ(strip_row_locks("CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW BEGIN SELECT 1; END"),
            "CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW BEGIN SELECT 1; END");
  EXPECT_EQ(strip_row_locks("SELECT forupdate, \"for update\" FROM t"),
            "SELECT forupdate, \"for update\" FROM t");
  EXPECT_EQ(strip_row_locks("UPDATE t SET n = n - 1 WHERE id = ?"), "UPDATE t SET n = n - 1 WHERE id = ?");
}

}  // namespace
}  // namespace cafe::sql::internal
