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

}  // namespace
}  // namespace cafe::sql::internal
