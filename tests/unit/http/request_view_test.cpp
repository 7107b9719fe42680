#include <fast_cache/http/request_view.hpp>
#include <fast_cache/http/request_view.hpp>  // self-contained and guarded

#include <gtest/gtest.h>

#include <map>

namespace fast_cache::http {
namespace {

TEST(SplitTarget, PathAndQuery) {
  EXPECT_EQ(split_target("/a/b?x=1&y=2").path, "/a/b");
  EXPECT_EQ(split_target("/a/b?x=1&y=2").query, "x=1&y=2");
  EXPECT_EQ(split_target("/a").path, "/a");
  EXPECT_EQ(split_target("/a").query, "");
  EXPECT_EQ(split_target("/a?").query, "");
  EXPECT_EQ(split_target("/a?x=1#frag").query, "x=1");
  EXPECT_EQ(split_target("/a#frag?x").path, "/a");
}

TEST(PercentDecode, EscapesAndPlus) {
  EXPECT_EQ(percent_decode("a%20b+c"), "a b c");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("%41%6a"), "Aj");
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("%4"), "%4");
  EXPECT_EQ(percent_decode("%zz"), "%zz");
  EXPECT_EQ(percent_decode("%00").size(), 1U);
}

TEST(ParseQuery, DecodesInOrder) {
  const auto params = parse_query("b=2&a=x%26y&&flag&c=");
  ASSERT_EQ(params.size(), 4U);
  EXPECT_EQ(params[0].name, "b");
  EXPECT_EQ(params[0].value, "2");
  EXPECT_EQ(params[1].name, "a");
  EXPECT_EQ(params[1].value, "x&y");
  EXPECT_EQ(params[2].name, "flag");
  EXPECT_EQ(params[2].value, "");
  EXPECT_EQ(params[3].name, "c");
  EXPECT_EQ(params[3].value, "");
  EXPECT_TRUE(parse_query("").empty());
  EXPECT_TRUE(parse_query("&&&").empty());
}

TEST(RequestView, ParamFindsFirst) {
  const auto params = parse_query("x=1&x=2");
  request_view r{.method = "GET", .path = "/", .query = params, .headers = {}};
  EXPECT_EQ(r.param("x"), "1");
  EXPECT_FALSE(r.param("y"));
}

TEST(HeaderLookup, EmptyAndCallable) {
  header_lookup none;
  EXPECT_FALSE(none("a"));
  const std::map<std::string, std::string, std::less<>> fields{{"cookie", "a=1"}};
  const auto find = [&](std::string_view name) -> std::optional<std::string_view> {
    if (auto it = fields.find(name); it != fields.end()) return std::string_view(it->second);
    return std::nullopt;
  };
  header_lookup lookup(find);
  EXPECT_EQ(lookup("cookie"), "a=1");
  EXPECT_FALSE(lookup("authorization"));
}

TEST(Tokens, IequalsAndHasToken) {
  EXPECT_TRUE(iequals("Content-Type", "content-type"));
  EXPECT_FALSE(iequals("Content-Type", "content-typ"));
  EXPECT_TRUE(has_token("no-cache", "no-cache"));
  EXPECT_TRUE(has_token("max-age=0, No-Cache", "no-cache"));
  EXPECT_TRUE(has_token("no-cache=\"set-cookie\"", "no-cache"));
  EXPECT_FALSE(has_token("no-store", "no-cache"));
  EXPECT_FALSE(has_token("", "no-cache"));
}

}  // namespace
}  // namespace fast_cache::http
