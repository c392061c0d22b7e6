#include "platform/config/document.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace cafe::config {
namespace {

std::string parse_error(std::string_view text) {
  Result<Document> document = parse_yaml(text, "cloudcafe.yaml");
  EXPECT_FALSE(document.has_value()) << "parsed: " << text;
  if (document) return {};
  EXPECT_EQ(document.error().code, ErrorCode::kInvalidArgument);
  return document.error().detail;
}

TEST(ParseYaml, BuildsTreeWithPositions) {
  Result<Document> document = parse_yaml("menu:\n  port: 8080\n  name: \"8080\"\n  tags: [a, b]\n", "c.yaml");
  ASSERT_TRUE(document.has_value()) << document.error().detail;
  const Node& root = document->root();
  ASSERT_EQ(root.kind, Node::Kind::kMap);
  const Node* menu = root.find("menu");
  ASSERT_NE(menu, nullptr);
  const Node* port = menu->find("port");
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(port->text, "8080");
  EXPECT_FALSE(port->quoted);
  EXPECT_EQ(port->location.line, 2);
  EXPECT_EQ(port->location.column, 9);
  EXPECT_TRUE(menu->find("name")->quoted);
  EXPECT_EQ(menu->find("tags")->items.size(), 2u);
  EXPECT_EQ(menu->entries[1].key_location.line, 3);
  EXPECT_EQ(menu->entries[1].key_location.column, 3);
}

TEST(ParseYaml, AcceptsEmptyDocumentAsNull) {
  Result<Document> document = parse_yaml("# nothing here\n", "c.yaml");
  ASSERT_TRUE(document.has_value());
  EXPECT_EQ(document->root().kind, Node::Kind::kNull);
}

TEST(ParseYaml, RejectsDuplicateTopLevelKey) {
  EXPECT_EQ(parse_error("menu: 1\ngateway: 2\nmenu: 3\n"),
            "cloudcafe.yaml: duplicate key \"menu\" (line 3, column 1)");
}

TEST(ParseYaml, RejectsDuplicateNestedKeyWithItsPath) {
  const char* text =
      "gateway:\n"
      "  routes:\n"
      "    menu:\n"
      "      target: menu\n"
      "    order:\n"
      "      target: order\n"
      "    menu:\n"
      "      target: other\n";
  EXPECT_EQ(parse_error(text), "cloudcafe.yaml: gateway.routes: duplicate key \"menu\" (line 7, column 5)");
}

TEST(ParseYaml, ReportsEveryDuplicateTogether) {
  Result<Document> document = parse_yaml("a: 1\na: 2\nb:\n  c: 1\n  c: 2\n", "c.yaml");
  ASSERT_FALSE(document.has_value());
  EXPECT_EQ(document.error().detail,
            "c.yaml: duplicate key \"a\" (line 2, column 1)\n"
            "c.yaml: b: duplicate key \"c\" (line 5, column 3)");
  ASSERT_EQ(document.error().fields.size(), 2u);
  EXPECT_EQ(document.error().fields[1].field, "b");
  EXPECT_EQ(document.error().fields[1].message, "duplicate key \"c\" (line 5, column 3)");
}

TEST(ParseYaml, RejectsDuplicateKeyInFlowMapping) {
  EXPECT_EQ(parse_error("limits: {a: 1, a: 2}\n"),
            "cloudcafe.yaml: limits: duplicate key \"a\" (line 1, column 16)");
}

TEST(ParseYaml, TurnsSyntaxErrorIntoMessageWithPosition) {
  // yaml-cpp notices the unclosed list where the input ends.
  EXPECT_EQ(parse_error("menu:\n  tags: [a, b\n"),
            "cloudcafe.yaml: menu.tags: invalid YAML: end of sequence flow not found (line 3, column 1)");
  EXPECT_EQ(parse_error("menu:\n  a: 1\n b: 2\n"),
            "cloudcafe.yaml: invalid YAML: end of map not found (line 3, column 2)");
}

TEST(ParseYaml, PrefersSyntaxErrorOverWhatItLooksLikeBeforeIt) {
  // yaml-cpp first reports the unclosed list as a mapping key.
  EXPECT_EQ(parse_error("[a, b"),
            "cloudcafe.yaml: invalid YAML: end of sequence flow not found (line 1, column 1)");
}

TEST(ParseYaml, RejectsComplexKey) {
  EXPECT_EQ(parse_error("? [a, b]\n: 1\n"),
            "cloudcafe.yaml: keys must be strings, not lists or mappings (line 1, column 3)");
}

TEST(ParseYaml, RejectsNullKey) {
  EXPECT_EQ(parse_error("menu:\n  ~: 1\n"),
            "cloudcafe.yaml: menu: keys must be strings, not null (line 2, column 3)");
}

TEST(ParseYaml, RejectsAnchorsAndAliases) {
  EXPECT_EQ(parse_error("base: &b {x: 1}\n"),
            "cloudcafe.yaml: base: anchors and aliases are not supported (line 1, column 7)");
  EXPECT_EQ(parse_error("base: &b 1\nother: *b\n"),
            "cloudcafe.yaml: base: anchors and aliases are not supported (line 1, column 7)");
}

TEST(ParseYaml, RejectsExplicitTags) {
  EXPECT_EQ(parse_error("port: !!int 5\n"),
            "cloudcafe.yaml: port: explicit tags are not supported (line 1, column 7)");
}

TEST(ParseYaml, RejectsMoreThanOneDocument) {
  EXPECT_EQ(parse_error("a: 1\n---\nb: 2\n"),
            "cloudcafe.yaml: more than one YAML document (line 2, column 1)");
}

TEST(ParseYaml, RejectsDocumentOverSizeLimit) {
  std::string text = "a: \"" + std::string(std::size_t{1} << 20, 'x') + "\"\n";
  EXPECT_EQ(parse_error(text), "cloudcafe.yaml: document is 1048582 bytes, more than the limit of 1048576");
}

TEST(ParseYaml, RejectsDeepFlowNesting) {
  std::string text = "a: " + std::string(40, '[') + std::string(40, ']') + "\n";
  EXPECT_EQ(
      parse_error(text),
      "cloudcafe.yaml: a[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
      "[0][0][0]: nesting deeper than 32 levels (line 1, column 35)");
}

TEST(ParseYaml, RejectsDeepBlockNestingWithinCustomLimit) {
  Result<Document> document = parse_yaml("a:\n  b:\n    c:\n      d: 1\n", "c.yaml", {.max_depth = 3});
  ASSERT_FALSE(document.has_value());
  EXPECT_EQ(document.error().detail, "c.yaml: a.b.c: nesting deeper than 3 levels (line 4, column 7)");
}

TEST(ParseYaml, SurvivesHugeNestingWithoutRecursingIntoIt) {
  std::string text(200000, '[');
  EXPECT_NE(parse_error(text).find("nesting deeper than 32 levels"), std::string::npos);
}

TEST(ReadYamlFile, ReadsAndNamesFileByItsName) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("cafe_config_test_" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(path);
    out << "a: 1\na: 2\n";
  }
  Result<Document> document = read_yaml_file(path);
  std::filesystem::remove(path);
  ASSERT_FALSE(document.has_value());
  EXPECT_EQ(document.error().detail, path.filename().string() + ": duplicate key \"a\" (line 2, column 1)");
}

TEST(ReadYamlFile, MissingFileIsNotFound) {
  Result<Document> document = read_yaml_file("/nonexistent/cloudcafe.yaml");
  ASSERT_FALSE(document.has_value());
  EXPECT_EQ(document.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace cafe::config
