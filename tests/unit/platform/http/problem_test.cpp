#include "platform/http/problem.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <utility>

namespace cafe::http {
namespace {

boost::json::object body_of(const Response& r) {
  return boost::json::parse(r.body).as_object();
}

TEST(ProblemMapping, MapsEveryErrorCodeToItsStatus) {
  const std::pair<ErrorCode, int> expected[] = {
      {ErrorCode::kInvalidArgument, 400},    {ErrorCode::kUnauthenticated, 401},
      {ErrorCode::kPermissionDenied, 403},   {ErrorCode::kNotFound, 404},
      {ErrorCode::kConflict, 409},           {ErrorCode::kAborted, 409},
      {ErrorCode::kFailedPrecondition, 422}, {ErrorCode::kPayloadTooLarge, 413},
      {ErrorCode::kResourceExhausted, 429},  {ErrorCode::kUnavailable, 503},
      {ErrorCode::kDeadlineExceeded, 504},   {ErrorCode::kInternal, 500},
  };
  for (const auto& [code, status] : expected) {
    EXPECT_EQ(status_for(code), status) << to_string(code);
    const Response r = problem(Error::make(code, "x"));
    EXPECT_EQ(r.status, status) << to_string(code);
    EXPECT_EQ(body_of(r).at("status").as_int64(), status) << to_string(code);
  }
}

TEST(ProblemMapping, RendersProblemJsonWithTypeTitleDetailInstanceAndRequestId) {
  const Response r = problem(Error::not_found("no item latte"), "/api/menu/items/latte", "req-1");
  EXPECT_EQ(r.headers.get("Content-Type"), "application/problem+json");
  const auto body = body_of(r);
  EXPECT_EQ(body.at("type").as_string(), "urn:cloudcafe:problem:not-found");
  EXPECT_EQ(body.at("title").as_string(), "Not Found");
  EXPECT_EQ(body.at("status").as_int64(), 404);
  EXPECT_EQ(body.at("detail").as_string(), "no item latte");
  EXPECT_EQ(body.at("instance").as_string(), "/api/menu/items/latte");
  EXPECT_EQ(body.at("request_id").as_string(), "req-1");
  EXPECT_FALSE(body.contains("errors"));
  EXPECT_FALSE(r.headers.contains("Retry-After"));
}

TEST(ProblemMapping, OmitsEmptyInstanceAndRequestId) {
  const auto body = body_of(problem(Error::conflict("taken")));
  EXPECT_FALSE(body.contains("instance"));
  EXPECT_FALSE(body.contains("request_id"));
}

TEST(ProblemMapping, ListsEveryFieldErrorInOrder) {
  const Error e = Error::invalid("body has 2 invalid fields",
                                 {{"name", "must not be empty"}, {"items[1].qty", "too big"}});
  const auto body = body_of(problem(e));
  const auto& errors = body.at("errors").as_array();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].at("field").as_string(), "name");
  EXPECT_EQ(errors[0].at("message").as_string(), "must not be empty");
  EXPECT_EQ(errors[1].at("field").as_string(), "items[1].qty");
  EXPECT_EQ(errors[1].at("message").as_string(), "too big");
}

TEST(ProblemMapping, InternalErrorHidesItsDetail) {
  const Response r = problem(Error::internal("SQLITE_CORRUPT at /var/lib/menu.db"), "/api/menu", "req-9");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("SQLITE"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("/var/lib"), std::string::npos) << r.body;
  EXPECT_EQ(body_of(r).at("request_id").as_string(), "req-9");
}

TEST(ProblemMapping, AddsRetryAfterOnThrottlingUnavailabilityAndAborts) {
  EXPECT_EQ(problem(Error::make(ErrorCode::kResourceExhausted, "slow down")).headers.get("Retry-After"), "1");
  EXPECT_EQ(problem(Error::unavailable("db down", 7)).headers.get("Retry-After"), "7");
  EXPECT_EQ(problem(Error::make(ErrorCode::kAborted, "serialization")).headers.get("Retry-After"), "1");
  Error throttled = Error::make(ErrorCode::kResourceExhausted, "slow down");
  throttled.retry_after_seconds = 30;
  EXPECT_EQ(problem(throttled).headers.get("Retry-After"), "30");
}

TEST(ProblemMapping, AddsNoRetryAfterWhereRetryingCannotHelp) {
  EXPECT_FALSE(problem(Error::invalid("bad")).headers.contains("Retry-After"));
  EXPECT_FALSE(problem(Error::conflict("dup")).headers.contains("Retry-After"));
  EXPECT_FALSE(problem(Error::internal("bug")).headers.contains("Retry-After"));
}

TEST(ProblemMapping, StatusOnlyProblemsCarryTheirTitleAndRetryAfter) {
  const Response not_allowed = problem(405, "DELETE is not allowed here", "/x");
  EXPECT_EQ(body_of(not_allowed).at("title").as_string(), "Method Not Allowed");
  EXPECT_FALSE(not_allowed.headers.contains("Retry-After"));
  EXPECT_EQ(problem(503, "draining").headers.get("Retry-After"), "1");
  EXPECT_EQ(problem(429, "slow").headers.get("Retry-After"), "1");
  EXPECT_EQ(body_of(problem(418, "teapot")).at("type").as_string(), "urn:cloudcafe:problem:error");
}

}  // namespace
}  // namespace cafe::http
