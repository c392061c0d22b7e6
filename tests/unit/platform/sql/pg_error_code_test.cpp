#include "platform/sql/internal/pg_connection.h"

#include <gtest/gtest.h>

namespace cafe::sql::internal {
namespace {

TEST(PgErrorCode, SerialisationFailuresAndDeadlocksRetryTheTransaction) {
  EXPECT_EQ(pg_error_code("40001"), ErrorCode::kAborted);
  EXPECT_EQ(pg_error_code("40P01"), ErrorCode::kAborted);
}

TEST(PgErrorCode, IntegrityViolationsAreConflicts) {
  EXPECT_EQ(pg_error_code("23505"), ErrorCode::kConflict);
  EXPECT_EQ(pg_error_code("23503"), ErrorCode::kConflict);
}

TEST(PgErrorCode, LostConnectionsAndShutdownsAreUnavailable) {
  EXPECT_EQ(pg_error_code("08006"), ErrorCode::kUnavailable);
  EXPECT_EQ(pg_error_code("57P01"), ErrorCode::kUnavailable);
}

TEST(PgErrorCode, AReadOnlyServerIsUnavailableSoThatThePoolFindsThePrimary) {
  EXPECT_EQ(pg_error_code("25006"), ErrorCode::kUnavailable);
}

TEST(PgErrorCode, ALockNotTakenWithNowaitRetriesTheTransaction) {
  EXPECT_EQ(pg_error_code("55P03"), ErrorCode::kAborted);
}

TEST(PgErrorCode, AServerOutOfResourcesIsUnavailable) {
  EXPECT_EQ(pg_error_code("53100"), ErrorCode::kUnavailable);
  EXPECT_EQ(pg_error_code("53300"), ErrorCode::kUnavailable);
}

TEST(PgErrorCode, StatementTimeoutIsADeadline) {
  EXPECT_EQ(pg_error_code("57014"), ErrorCode::kDeadlineExceeded);
}

TEST(PgErrorCode, EverythingElseIsInternal) {
  EXPECT_EQ(pg_error_code("42601"), ErrorCode::kInternal);
  EXPECT_EQ(pg_error_code(""), ErrorCode::kInternal);
}

}  // namespace
}  // namespace cafe::sql::internal
