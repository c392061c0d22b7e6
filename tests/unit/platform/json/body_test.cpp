#include "platform/json/body.h"

#include <gtest/gtest.h>

#include <string>

namespace cafe::json {
namespace {

std::string parse_error(std::string_view text, ParseLimits limits = {}) {
  auto r = parse(text, limits);
  if (r) return "<parsed>";
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << text;
  return r.error().detail;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

std::vector<std::string> describe(const std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.field + ": " + e.message);
  return out;
}

// Reads `text` (which must parse) with `read` and returns the field errors.
template <class Read>
std::vector<std::string> read_errors(std::string_view text, Read read) {
  auto doc = parse(text);
  EXPECT_TRUE(doc) << text;
  if (!doc) return {"<unparsed>"};
  std::vector<FieldError> errors;
  ObjectReader r(*doc, "", errors);
  read(r);
  r.reject_unknown();
  return describe(errors);
}

TEST(JsonParse, AcceptsAnObjectWithSurroundingWhitespace) {
  auto r = parse(" \n{\"a\": [1, 2.5, \"x\", null, true]}\t ");
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_TRUE(r->is_object());
}

TEST(JsonParse, RejectsAnEmptyBody) {
  EXPECT_EQ(parse_error(""), "request body is empty; expected a JSON object");
}

TEST(JsonParse, RejectsMalformedJsonWithItsByteOffset) {
  const std::string detail = parse_error(R"({"a" 1})");
  EXPECT_TRUE(contains(detail, "malformed JSON at byte 5")) << detail;
  EXPECT_TRUE(contains(parse_error("{'a': 1}"), "malformed JSON"));
  EXPECT_TRUE(contains(parse_error("{\"a\": 1,}"), "malformed JSON"));
  EXPECT_TRUE(contains(parse_error("{\"a\": 1} // comment"), "malformed JSON"));
  EXPECT_TRUE(contains(parse_error("nul"), "malformed JSON"));
}

TEST(JsonParse, RejectsTruncatedDocuments) {
  for (std::string_view t : {"{", "{\"a\":", "{\"a\": [1, 2", "\"abc", "{\"a\": tru"}) {
    EXPECT_TRUE(contains(parse_error(t), "the document is truncated")) << t << " -> " << parse_error(t);
  }
}

TEST(JsonParse, RejectsTrailingGarbage) {
  const std::string detail = parse_error(R"({"a":1} x)");
  EXPECT_TRUE(contains(detail, "malformed JSON at byte")) << detail;
  EXPECT_EQ(parse_error("{} {}").find("<parsed>"), std::string::npos);
  EXPECT_EQ(parse_error("1 2").find("<parsed>"), std::string::npos);
}

TEST(JsonParse, EnforcesTheDepthLimit) {
  const auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_TRUE(parse(nested(4), {.max_depth = 4}));
  const std::string detail = parse_error(nested(5), {.max_depth = 4});
  EXPECT_TRUE(contains(detail, "nested deeper than 4 levels")) << detail;
  // Far beyond the limit fails just the same, without exhausting the stack.
  EXPECT_TRUE(contains(parse_error(nested(100'000)), "nested deeper than 16 levels"));
}

TEST(JsonParse, EnforcesTheSizeLimitAsPayloadTooLarge) {
  auto r = parse(R"({"a":"0123456789"})", {.max_bytes = 10});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(r.error().detail, "body is 18 bytes; the limit is 10");
}

TEST(JsonParse, RejectsInvalidUtf8InStrings) {
  EXPECT_TRUE(contains(parse_error("{\"a\":\"\xC0\xAF\"}"), "malformed JSON"));      // overlong
  EXPECT_TRUE(contains(parse_error("{\"a\":\"\xED\xA0\x80\"}"), "malformed JSON"));  // surrogate
  EXPECT_TRUE(contains(parse_error("{\"\xFF\":1}"), "malformed JSON"));
  EXPECT_TRUE(parse("{\"a\":\"caf\xC3\xA9\"}"));
}

TEST(JsonParse, ParsesHugeNumbersWithoutFailing) {
  auto r = parse(R"({"big": 1e400, "wide": 99999999999999999999})");
  ASSERT_TRUE(r) << r.error().detail;
}

TEST(ObjectReader, ReadsTypedFields) {
  auto doc = parse(R"({"name":"latte","qty":3,"hot":true,"tags":["a","b"],"size":{"name":"tall"}})");
  ASSERT_TRUE(doc);
  std::vector<FieldError> errors;
  ObjectReader r(*doc, "", errors);
  EXPECT_EQ(r.string("name"), "latte");
  EXPECT_EQ(r.integer("qty"), 3);
  EXPECT_EQ(r.boolean("hot"), true);
  EXPECT_EQ(r.string_array("tags", 4), (std::vector<std::string>{"a", "b"}));
  std::string size;
  r.object("size", true, [&](ObjectReader& s) { size = s.string("name").value_or(""); });
  r.reject_unknown();
  EXPECT_EQ(size, "tall");
  EXPECT_TRUE(errors.empty()) << describe(errors).front();
  EXPECT_TRUE(to_result(errors));
}

TEST(ObjectReader, ReportsANonObjectDocumentAtTheRoot) {
  auto doc = parse("[1,2]");
  ASSERT_TRUE(doc);
  std::vector<FieldError> errors;
  ObjectReader r(*doc, "", errors);
  EXPECT_FALSE(r.string("name", {.required = true}));
  r.reject_unknown();
  EXPECT_EQ(describe(errors), std::vector<std::string>{"$: expected an object, got an array"});
}

TEST(ObjectReader, ReportsWrongTypesForEveryReader) {
  const auto errors = read_errors(R"({"s":1,"i":"x","b":"yes","a":{},"o":[],"f":1.5})", [](ObjectReader& r) {
    r.string("s");
    r.integer("i");
    r.boolean("b");
    r.array("a", 0, 10, false, [](const boost::json::value&, std::string) {});
    r.object("o", false, [](ObjectReader&) {});
    r.integer("f", {.min = 0, .max = 10});
  });
  const std::vector<std::string> expected = {
      "s: expected a string, got an integer", "i: expected an integer, got a string",
      "b: expected a boolean, got a string",  "a: expected an array, got an object",
      "o: expected an object, got an array",  "f: must be an integer between 0 and 10",
  };
  EXPECT_EQ(errors, expected);
}

TEST(ObjectReader, HugeNumbersIntoIntegerFieldsAreFieldErrors) {
  const auto errors = read_errors(R"({"a":1e400,"b":99999999999999999999,"c":18446744073709551615,"d":-1e3})",
                                  [](ObjectReader& r) {
                                    r.integer("a", {.min = 0, .max = 100});
                                    r.integer("b", {.min = 0, .max = 100});
                                    r.integer("c", {.min = 0, .max = 100});
                                    r.integer("d");
                                  });
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0], "a: must be an integer between 0 and 100");
  EXPECT_EQ(errors[1], "b: must be an integer between 0 and 100");
  EXPECT_EQ(errors[2], "c: must be an integer between 0 and 100");
  EXPECT_TRUE(errors[3].starts_with("d: must be an integer between")) << errors[3];
}

TEST(ObjectReader, EnforcesIntegerBounds) {
  const auto errors = read_errors(R"({"low":0,"high":11,"ok":10})", [](ObjectReader& r) {
    r.integer("low", {.min = 1, .max = 10});
    r.integer("high", {.min = 1, .max = 10});
    EXPECT_EQ(r.integer("ok", {.min = 1, .max = 10}), 10);
  });
  const std::vector<std::string> expected = {"low: must be between 1 and 10",
                                             "high: must be between 1 and 10"};
  EXPECT_EQ(errors, expected);
}

TEST(ObjectReader, ReportsMissingRequiredFieldsAndTreatsNullAsMissing) {
  const auto errors = read_errors(R"({"name":null})", [](ObjectReader& r) {
    EXPECT_FALSE(r.string("name", {.required = true}));
    EXPECT_FALSE(r.integer("qty", {.required = true}));
    EXPECT_FALSE(r.boolean("hot", true));
    EXPECT_FALSE(r.string("optional"));
    r.array("lines", 1, 5, true, [](const boost::json::value&, std::string) {});
    r.object("size", true, [](ObjectReader&) {});
  });
  const std::vector<std::string> expected = {"name: is required", "qty: is required", "hot: is required",
                                             "lines: is required", "size: is required"};
  EXPECT_EQ(errors, expected);
}

TEST(ObjectReader, RejectsUnknownFieldsButNotIgnoredOnes) {
  const auto errors = read_errors(R"({"name":"x","nmae":"typo","legacy":1,"extra":{}})", [](ObjectReader& r) {
    r.string("name");
    r.ignore("legacy");
  });
  const std::vector<std::string> expected = {"nmae: unknown field", "extra: unknown field"};
  EXPECT_EQ(errors, expected);
}

TEST(ObjectReader, EnforcesStringLengthsInBytes) {
  const auto errors = read_errors(R"({"empty":"","short":"ab","long":"abcdef","utf8":"\u00e9\u00e9\u00e9"})",
                                  [](ObjectReader& r) {
                                    r.string("empty", {.min_length = 1});
                                    r.string("short", {.min_length = 3});
                                    r.string("long", {.max_length = 5});
                                    r.string("utf8", {.max_length = 5});
                                  });
  const std::vector<std::string> expected = {
      "empty: must not be empty", "short: must be at least 3 characters", "long: must be at most 5 bytes",
      "utf8: must be at most 5 bytes"};
  EXPECT_EQ(errors, expected);
}

TEST(ObjectReader, EnforcesArrayBoundsAndNamesElementPaths) {
  auto doc = parse(R"({"few":[],"many":[1,2,3],"lines":[{"qty":1},{"qty":"x"},5]})");
  ASSERT_TRUE(doc);
  std::vector<FieldError> errors;
  ObjectReader r(*doc, "", errors);
  const auto nothing = [](const boost::json::value&, std::string) {};
  r.array("few", 1, 2, true, nothing);
  r.array("many", 1, 2, true, nothing);
  std::vector<std::int64_t> quantities;
  r.array("lines", 1, 5, true, [&](const boost::json::value& v, std::string path) {
    ObjectReader line(v, std::move(path), errors);
    if (auto q = line.integer("qty")) quantities.push_back(*q);
  });
  r.reject_unknown();
  const std::vector<std::string> expected = {
      "few: must have between 1 and 2 items, got 0", "many: must have between 1 and 2 items, got 3",
      "lines[1].qty: expected an integer, got a string", "lines[2]: expected an object, got an integer"};
  EXPECT_EQ(describe(errors), expected);
  EXPECT_EQ(quantities, std::vector<std::int64_t>{1});
}

TEST(ObjectReader, NestedObjectsReportPathsAndUnknownFields) {
  const auto errors = read_errors(R"({"size":{"name":3,"oops":true}})", [](ObjectReader& r) {
    r.object("size", true, [](ObjectReader& s) { s.string("name"); });
  });
  const std::vector<std::string> expected = {"size.name: expected a string, got an integer",
                                             "size.oops: unknown field"};
  EXPECT_EQ(errors, expected);
}

TEST(ObjectReader, StringArrayChecksEachElement) {
  const auto errors = read_errors(
      R"({"tags":["ok",1,"",)" + std::string("\"") + std::string(70, 'x') + "\"]}",
      [](ObjectReader& r) { EXPECT_FALSE(r.string_array("tags", 8, {.min_length = 1, .max_length = 64})); });
  const std::vector<std::string> expected = {"tags[1]: expected a string, got an integer",
                                             "tags[2]: must be between 1 and 64 bytes",
                                             "tags[3]: must be between 1 and 64 bytes"};
  EXPECT_EQ(errors, expected);
}

TEST(ObjectReader, StringArrayAbsentIsNulloptWithoutError) {
  const auto errors = read_errors("{}", [](ObjectReader& r) { EXPECT_FALSE(r.string_array("tags", 8)); });
  EXPECT_TRUE(errors.empty());
}

TEST(ObjectReader, IntegerOrDigitsAcceptsBothForms) {
  const auto errors = read_errors(R"({"a":"1","b":1,"c":"0042"})", [](ObjectReader& r) {
    EXPECT_EQ(r.integer_or_digits("a", {.min = 1, .max = 100}), 1);
    EXPECT_EQ(r.integer_or_digits("b", {.min = 1, .max = 100}), 1);
    EXPECT_EQ(r.integer_or_digits("c", {.min = 1, .max = 100}), 42);
  });
  EXPECT_TRUE(errors.empty()) << errors.front();
}

TEST(ObjectReader, IntegerOrDigitsRejectsNonDigitsOverlongAndOutOfRange) {
  const auto errors =
      read_errors(R"({"sign":"-1","space":" 1","empty":"","long":"1234567890123456789","range":"101",)"
                  R"("frac":1.5,"bool":true})",
                  [](ObjectReader& r) {
                    for (const char* k : {"sign", "space", "empty", "long", "range", "frac", "bool"}) {
                      EXPECT_FALSE(r.integer_or_digits(k, {.min = 1, .max = 100})) << k;
                    }
                  });
  const std::vector<std::string> expected = {"sign: expected an integer or a string of digits",
                                             "space: expected an integer or a string of digits",
                                             "empty: expected an integer or a string of digits",
                                             "long: expected an integer or a string of digits",
                                             "range: must be between 1 and 100",
                                             "frac: must be an integer between 1 and 100",
                                             "bool: expected an integer, got a boolean"};
  EXPECT_EQ(errors, expected);
}

TEST(ToResult, ListsEveryErrorAndSummarisesTheFirstFive) {
  std::vector<FieldError> errors;
  for (int i = 0; i < 7; ++i) errors.push_back({"f" + std::to_string(i), "bad"});
  auto r = to_result(errors, "order");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().fields.size(), 7u);
  EXPECT_EQ(r.error().detail, "order has 7 invalid fields: f0 bad; f1 bad; f2 bad; f3 bad; f4 bad");
}

TEST(ToResult, BoundsTheFieldListItReturns) {
  std::vector<FieldError> errors(120, FieldError{"x", "bad"});
  auto r = to_result(errors);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().fields.size(), 50u);
  EXPECT_TRUE(r.error().detail.starts_with("request body has 120 invalid fields")) << r.error().detail;
}

TEST(ToResult, SingularWhenOneField) {
  auto r = to_result({{"name", "is required"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "request body has 1 invalid field: name is required");
}

}  // namespace
}  // namespace cafe::json
