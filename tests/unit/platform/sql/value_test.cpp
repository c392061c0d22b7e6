#include "platform/sql/database.h"

#include <gtest/gtest.h>

namespace cafe::sql {
namespace {

TEST(Value, ReadsEachTypeThroughItsAccessor) {
  EXPECT_EQ(as_int(Value{std::int64_t{-7}}).value(), -7);
  EXPECT_EQ(as_text(Value{std::string("café")}).value(), "café");
  EXPECT_DOUBLE_EQ(as_real(Value{2.5}).value(), 2.5);
  EXPECT_TRUE(is_null(Value{}));
  EXPECT_FALSE(is_null(Value{std::int64_t{0}}));
}

TEST(Value, WidensIntegersToReals) {
  EXPECT_DOUBLE_EQ(as_real(Value{std::int64_t{3}}).value(), 3.0);
}

TEST(Value, ReportsATypeMismatchAsInternal) {
  const auto text = as_int(Value{std::string("12")});
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, ErrorCode::kInternal);
  EXPECT_NE(text.error().detail.find("text"), std::string::npos);

  const auto null = as_text(Value{});
  ASSERT_FALSE(null);
  EXPECT_EQ(null.error().code, ErrorCode::kInternal);

  const auto real = as_int(Value{1.5});
  ASSERT_FALSE(real);
  EXPECT_EQ(real.error().code, ErrorCode::kInternal);

  const auto not_real = as_real(Value{std::string("1.5")});
  ASSERT_FALSE(not_real);
  EXPECT_EQ(not_real.error().code, ErrorCode::kInternal);
}

TEST(Rows, ReportsSizeAndEmptiness) {
  Rows rows;
  EXPECT_TRUE(rows.empty());
  rows.rows.push_back({Value{}});
  EXPECT_EQ(rows.size(), 1u);
  EXPECT_FALSE(rows.empty());
}

TEST(RowReader, ReadsCellsInOrderWithTheirTypes) {
  const std::vector<Value> row{Value{std::int64_t{7}}, Value{std::string("latte")}, Value{},
                               Value{std::int64_t{1}}};
  RowReader r(row);
  EXPECT_EQ(r.integer(), 7);
  EXPECT_EQ(r.text(), "latte");
  EXPECT_EQ(r.nullable_integer(), std::nullopt);
  EXPECT_TRUE(r.boolean());
  EXPECT_TRUE(r.status());
}

TEST(RowReader, KeepsTheFirstMismatchAndReadsEmptyAfterIt) {
  const std::vector<Value> row{Value{std::string("not a number")}, Value{std::int64_t{3}}};
  RowReader r(row);
  EXPECT_EQ(r.integer(), 0);
  EXPECT_EQ(r.integer(), 0) << "reads after an error return empty values";
  ASSERT_FALSE(r.status());
  EXPECT_EQ(r.status().error().code, ErrorCode::kInternal);
  EXPECT_NE(r.status().error().detail.find("expected integer"), std::string::npos);
}

TEST(RowReader, ReportsReadingPastTheLastColumn) {
  const std::vector<Value> row{Value{std::int64_t{1}}};
  RowReader r(row);
  r.integer();
  EXPECT_EQ(r.text(), "");
  ASSERT_FALSE(r.status());
  EXPECT_NE(r.status().error().detail.find("row has 1 columns"), std::string::npos);
}

}  // namespace
}  // namespace cafe::sql
