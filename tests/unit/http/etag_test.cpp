#include <fast_cache/http/etag.hpp>

#include <gtest/gtest.h>

namespace fast_cache::http {
namespace {

TEST(MakeEtag, StableQuotedHex) {
  // The first 16 bytes of SHA-256("abc"): fixed forever, so tags survive restarts and hosts.
  EXPECT_EQ(make_etag("abc"), "\"ba7816bf8f01cfea414140de5dae2223\"");
  EXPECT_EQ(make_etag(""), "\"e3b0c44298fc1c149afbf4c8996fb924\"");
  EXPECT_NE(make_etag("a"), make_etag("b"));
}

TEST(EtagMatches, ExactListStarAndWeak) {
  const std::string tag = make_etag("body");
  EXPECT_TRUE(etag_matches(tag, tag));
  EXPECT_TRUE(etag_matches("*", tag));
  EXPECT_TRUE(etag_matches(" * ", tag));
  EXPECT_TRUE(etag_matches("\"x\", " + tag + " ,\"y\"", tag));
  EXPECT_TRUE(etag_matches("W/" + tag, tag));
  EXPECT_FALSE(etag_matches("\"x\"", tag));
  EXPECT_FALSE(etag_matches("", tag));
  EXPECT_FALSE(etag_matches(",,", tag));
  EXPECT_FALSE(etag_matches(tag.substr(1, tag.size() - 2), tag));  // unquoted is another tag
}

}  // namespace
}  // namespace fast_cache::http
