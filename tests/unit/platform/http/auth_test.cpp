#include "platform/http/auth.h"

#include <gtest/gtest.h>

namespace cafe::http {
namespace {

constexpr std::string_view kToken = "s3cret-admin-token-0123";

ErrorCode code_of(const Result<void>& r) {
  return r ? ErrorCode::kInternal : r.error().code;
}

TEST(AdminAuth, WithoutAConfiguredTokenEveryRequestIsUnauthenticated) {
  const AdminAuth auth(std::nullopt);
  EXPECT_FALSE(auth.configured());
  EXPECT_EQ(code_of(auth.check(std::nullopt)), ErrorCode::kUnauthenticated);
  EXPECT_EQ(code_of(auth.check("Bearer ")), ErrorCode::kUnauthenticated);
  EXPECT_EQ(code_of(auth.check("Bearer anything")), ErrorCode::kUnauthenticated);
  auto r = auth.check("Bearer anything");
  EXPECT_NE(r.error().detail.find("no admin token is configured"), std::string::npos);
}

TEST(AdminAuth, MissingHeaderIsUnauthenticated) {
  const AdminAuth auth{std::string(kToken)};
  EXPECT_TRUE(auth.configured());
  EXPECT_EQ(code_of(auth.check(std::nullopt)), ErrorCode::kUnauthenticated);
}

TEST(AdminAuth, WrongSchemeOrEmptyCredentialIsUnauthenticated) {
  const AdminAuth auth{std::string(kToken)};
  EXPECT_EQ(code_of(auth.check("Basic dXNlcjpwYXNz")), ErrorCode::kUnauthenticated);
  EXPECT_EQ(code_of(auth.check("bearer " + std::string(kToken))), ErrorCode::kUnauthenticated);
  EXPECT_EQ(code_of(auth.check(std::string(kToken))), ErrorCode::kUnauthenticated);
  EXPECT_EQ(code_of(auth.check("Bearer ")), ErrorCode::kUnauthenticated);
  EXPECT_EQ(code_of(auth.check("Bearer")), ErrorCode::kUnauthenticated);
  EXPECT_EQ(code_of(auth.check("")), ErrorCode::kUnauthenticated);
}

TEST(AdminAuth, WrongTokenIsPermissionDenied) {
  const AdminAuth auth{std::string(kToken)};
  EXPECT_EQ(code_of(auth.check("Bearer wrong")), ErrorCode::kPermissionDenied);
  EXPECT_EQ(code_of(auth.check("Bearer " + std::string(kToken) + "x")), ErrorCode::kPermissionDenied);
  EXPECT_EQ(code_of(auth.check("Bearer " + std::string(kToken.substr(1)))), ErrorCode::kPermissionDenied);
  EXPECT_EQ(code_of(auth.check("Bearer  " + std::string(kToken))), ErrorCode::kPermissionDenied);
}

TEST(AdminAuth, RightTokenPasses) {
  const AdminAuth auth{std::string(kToken)};
  EXPECT_TRUE(auth.check("Bearer " + std::string(kToken)));
}

TEST(ConstantTimeEquals, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equals("", ""));
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("abc", "ab"));
  EXPECT_FALSE(constant_time_equals("ab", "abc"));
  EXPECT_FALSE(constant_time_equals("", "a"));
}

TEST(ConstantTimeEquals, DoesNotTreatZeroPaddingAsEqual) {
  // The shorter input is padded with NULs while walking: the length
  // difference alone must make them differ.
  EXPECT_FALSE(constant_time_equals(std::string_view("ab\0", 3), "ab"));
  EXPECT_FALSE(constant_time_equals("ab", std::string_view("ab\0\0", 4)));
}

}  // namespace
}  // namespace cafe::http
