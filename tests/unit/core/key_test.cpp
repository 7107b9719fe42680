#include <fast_cache/key.hpp>

#include <gtest/gtest.h>
#include <boost/describe/class.hpp>

#include <string>
#include <vector>

namespace {

struct point {
  int x = 0;
  int y = 0;
};
BOOST_DESCRIBE_STRUCT(point, (), (x, y))

// Golden keys: entries are shared between processes, builds and machines, so these strings must
// never change by accident.
TEST(Key, DefaultKeyIsGolden) {
  EXPECT_EQ(fast_cache::default_key("add", 1, std::string("a")), R"(add:[1,"a"])");
  EXPECT_EQ(fast_cache::default_key("none"), "none:[]");
  EXPECT_EQ(fast_cache::default_key("mixed", 2.5, true, std::vector<int>{1, 2}, point{3, 4}),
            R"(mixed:[2.5E0,true,[1,2],{"x":3,"y":4}])");
}

TEST(Key, ArgumentsThatLookAlikeGiveDifferentKeys) {
  EXPECT_NE(fast_cache::default_key("f", 1), fast_cache::default_key("f", std::string("1")));
  EXPECT_NE(fast_cache::default_key("f", std::string("a,b")),
            fast_cache::default_key("f", std::string("a"), std::string("b")));
}

TEST(Key, NamespacePrefixes) {
  EXPECT_EQ(fast_cache::namespaced_key("special", "custom:1"), "special:custom:1");
  EXPECT_EQ(fast_cache::namespaced_key("", "custom:1"), "custom:1");
}

TEST(Key, NamesAndNamespacesNeverMeet) {
  using fast_cache::default_key;
  using fast_cache::namespaced_key;
  // A name holding the separator against the same text split into namespace and name.
  EXPECT_EQ(default_key("a:b", 1), "a%3Ab:[1]");
  EXPECT_NE(default_key("a:b", 1), namespaced_key("a", default_key("b", 1)));
  EXPECT_NE(namespaced_key("a:b", default_key("c", 1)), namespaced_key("a", default_key("b:c", 1)));
  // A name starting with '[' would read as arguments after a namespace-less name.
  EXPECT_NE(namespaced_key("a", default_key("[1]")), default_key("a", 1));
  // Escaping is itself escaped, so an escaped-looking name stays distinct.
  EXPECT_NE(default_key("a%3Ab", 1), default_key("a:b", 1));
  EXPECT_EQ(fast_cache::escape_key_part("plain_name-1.x"), "plain_name-1.x");
}

}  // namespace
