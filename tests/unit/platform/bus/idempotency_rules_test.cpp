#include "platform/bus/idempotency_rules.h"

#include <gtest/gtest.h>

namespace cafe::bus {
namespace {

constexpr std::int64_t kNow = 1'764'000'000'000;
const IdempotencyRules kRules{.lease = std::chrono::milliseconds(30'000), .max_retry_after_seconds = 5};

StoredKeyState in_progress(std::int64_t locked_until_ms, std::string fingerprint = "fp") {
  return {.fingerprint = std::move(fingerprint), .completed = false, .locked_until_ms = locked_until_ms};
}

StoredKeyState completed(std::string fingerprint = "fp") {
  return {.fingerprint = std::move(fingerprint), .completed = true, .locked_until_ms = kNow - 60'000};
}

TEST(IdempotencyRules, ANewKeyStarts) {
  EXPECT_EQ(decide_begin(std::nullopt, "fp", kNow, kRules), (BeginDecision{BeginAction::kStart, 0}));
}

TEST(IdempotencyRules, ADuplicateWhileTheFirstRunsIsToldWhenToRetry) {
  EXPECT_EQ(decide_begin(in_progress(kNow + 2'500), "fp", kNow, kRules),
            (BeginDecision{BeginAction::kInProgress, 3}));
}

TEST(IdempotencyRules, RetryAfterIsAtLeastOneSecondAndAtMostTheCap) {
  EXPECT_EQ(decide_begin(in_progress(kNow + 1), "fp", kNow, kRules).retry_after_seconds, 1);
  EXPECT_EQ(decide_begin(in_progress(kNow + 29'000), "fp", kNow, kRules).retry_after_seconds, 5);
}

TEST(IdempotencyRules, AnAttemptPastItsLeaseIsTakenOver) {
  EXPECT_EQ(decide_begin(in_progress(kNow), "fp", kNow, kRules).action, BeginAction::kTakeOver);
  EXPECT_EQ(decide_begin(in_progress(kNow - 1), "fp", kNow, kRules).action, BeginAction::kTakeOver);
}

TEST(IdempotencyRules, ACompletedKeyReplaysItsResponse) {
  EXPECT_EQ(decide_begin(completed(), "fp", kNow, kRules), (BeginDecision{BeginAction::kReplay, 0}));
}

TEST(IdempotencyRules, AnotherRequestWithTheSameKeyIsAMismatchWhateverTheState) {
  EXPECT_EQ(decide_begin(completed("other"), "fp", kNow, kRules).action, BeginAction::kMismatch);
  EXPECT_EQ(decide_begin(in_progress(kNow + 5'000, "other"), "fp", kNow, kRules).action,
            BeginAction::kMismatch);
  EXPECT_EQ(decide_begin(in_progress(kNow - 5'000, "other"), "fp", kNow, kRules).action,
            BeginAction::kMismatch);
}

TEST(IdempotencyRules, AcceptsVisibleAsciiKeysUpTo255Bytes) {
  EXPECT_TRUE(check_idempotency_key("order-42"));
  EXPECT_TRUE(check_idempotency_key(std::string(255, 'k')));
  for (const std::string& bad : {std::string(), std::string(256, 'k'), std::string("two words"),
                                 std::string("tab\tkey"), std::string("caf\xc3\xa9")}) {
    auto r = check_idempotency_key(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    ASSERT_EQ(r.error().fields.size(), 1u);
    EXPECT_EQ(r.error().fields[0].field, "Idempotency-Key");
  }
}

// Fingerprints are stored: the same request must give the same one in every
// release, or a retry after an upgrade would look like another request.
TEST(IdempotencyRules, FingerprintIsStableAcrossReleases) {
  EXPECT_EQ(request_fingerprint("POST", "/api/orders", R"({"customer_id":"c1"})"),
            "323be9fb0a86dbc088d497db81bcb2db");
  EXPECT_EQ(request_fingerprint("", "", "").size(), 32u);
}

TEST(IdempotencyRules, FingerprintTellsEveryPartApart) {
  const std::string base = request_fingerprint("POST", "/api/orders", "{}");
  EXPECT_EQ(request_fingerprint("POST", "/api/orders", "{}"), base);
  EXPECT_NE(request_fingerprint("PUT", "/api/orders", "{}"), base);
  EXPECT_NE(request_fingerprint("POST", "/api/order", "{}"), base);
  EXPECT_NE(request_fingerprint("POST", "/api/orders", "{ }"), base);
  // Where one part ends and the next begins matters.
  EXPECT_NE(request_fingerprint("POST", "/a", "b"), request_fingerprint("POST", "/ab", ""));
}

}  // namespace
}  // namespace cafe::bus
