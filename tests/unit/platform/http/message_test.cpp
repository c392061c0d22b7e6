#include "platform/http/message.h"

#include <gtest/gtest.h>

namespace cafe::http {
namespace {

TEST(Headers, LooksUpNamesCaseInsensitivelyAndReturnsTheFirst) {
  Headers h;
  h.add("Content-Type", "application/json");
  h.add("X-Thing", "one");
  h.add("x-thing", "two");
  EXPECT_EQ(h.get("content-type"), "application/json");
  EXPECT_EQ(h.get("X-THING"), "one");
  EXPECT_FALSE(h.get("Content-Length"));
  EXPECT_FALSE(h.contains("Content-Typ"));
}

TEST(Headers, SetReplacesEveryFieldOfThatName) {
  Headers h;
  h.add("X-Thing", "one");
  h.add("Other", "o");
  h.add("x-thing", "two");
  h.set("X-THING", "three");
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.get("x-thing"), "three");
  h.erase("OTHER");
  EXPECT_EQ(h.size(), 1u);
}

TEST(QueryParam, DecodesPercentEscapesAndPlusInKeysAndValues) {
  Request r;
  r.query = "store_id=12&name=caf%C3%A9+latte&a%5Fb=%2F&empty=&flag&bad=%zz";
  EXPECT_EQ(r.query_param("store_id"), "12");
  EXPECT_EQ(r.query_param("name"), "caf\xC3\xA9 latte");
  EXPECT_EQ(r.query_param("a_b"), "/");
  EXPECT_EQ(r.query_param("empty"), "");
  EXPECT_EQ(r.query_param("flag"), "");
  EXPECT_EQ(r.query_param("bad"), "%zz");
  EXPECT_FALSE(r.query_param("missing"));
}

TEST(QueryParam, ReturnsTheFirstOfRepeatedKeys) {
  Request r;
  r.query = "x=1&x=2";
  EXPECT_EQ(r.query_param("x"), "1");
}

TEST(Methods, RoundTripAndIdempotency) {
  for (Method m : {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kPatch, Method::kDelete,
                   Method::kOptions}) {
    EXPECT_EQ(method_from_string(to_string(m)), m);
  }
  EXPECT_EQ(method_from_string("get"), Method::kOther);
  EXPECT_EQ(method_from_string("BREW"), Method::kOther);
  EXPECT_TRUE(is_idempotent(Method::kPut));
  EXPECT_FALSE(is_idempotent(Method::kPost));
  EXPECT_FALSE(is_idempotent(Method::kPatch));
}

}  // namespace
}  // namespace cafe::http
