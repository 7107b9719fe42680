#include <fast_cache/beast/router.hpp>

#include <gtest/gtest.h>

namespace fast_cache::beast {
namespace {

asio::awaitable<response> nothing(const request&) { co_return response{}; }

TEST(Router, ExactPatternsAndMethods) {
  router r;
  r.add(http::verb::get, "/a", nothing);
  r.add(http::verb::post, "/a", nothing);
  r.add(http::verb::get, "/users/{id}/posts/{post}", nothing);
  r.add(http::verb::delete_, "/users/{id}/posts/{post}", nothing);

  EXPECT_NE(r.find(http::verb::get, "/a").target, nullptr);
  EXPECT_NE(r.find(http::verb::head, "/a").target, nullptr);  // HEAD falls back to GET
  const auto wrong = r.find(http::verb::put, "/a");
  EXPECT_EQ(wrong.target, nullptr);
  EXPECT_TRUE(wrong.path_found);
  EXPECT_EQ(wrong.allow, "GET, HEAD, POST");
  const auto none = r.find(http::verb::get, "/b");
  EXPECT_EQ(none.target, nullptr);
  EXPECT_FALSE(none.path_found);
  EXPECT_FALSE(r.find(http::verb::get, "/a/").path_found);

  const auto match = r.find(http::verb::get, "/users/7/posts/x%20y");
  ASSERT_NE(match.target, nullptr);
  ASSERT_EQ(match.params.size(), 2U);
  EXPECT_EQ(match.params[0].name, "id");
  EXPECT_EQ(match.params[0].value, "7");
  EXPECT_EQ(match.params[1].value, "x%20y");
  EXPECT_EQ(r.find(http::verb::get, "/users//posts/1").target, nullptr);
  EXPECT_FALSE(r.find(http::verb::get, "/users/1/posts").path_found);
  EXPECT_EQ(r.find(http::verb::post, "/users/1/posts/2").allow, "GET, HEAD, DELETE");
}

TEST(Router, RejectsRelativePatterns) {
  EXPECT_THROW(router().add(http::verb::get, "a", nothing), std::invalid_argument);
}

}  // namespace
}  // namespace fast_cache::beast
