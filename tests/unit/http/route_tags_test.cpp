// route_options::tags on Beast routes (fast_cache::beast::response_cache): one invalidate_tags
// call makes a route's entries and a cached() function's values carrying the tag misses.
#include <fast_cache/beast/response_cache.hpp>
#include <fast_cache/cache.hpp>
#include <fast_cache/memory_backend.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/http/string_body.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;
using page = http::response<http::string_body>;
using request = http::request<http::string_body>;

struct profile_page {
  std::atomic<int>* runs;
  page operator()(const request& req) const {
    page res(http::status::ok, 11);
    res.body() = "profile " + std::string(req.target()) + " run " + std::to_string(++*runs);
    return res;
  }
};

asio::awaitable<page> send(fast_cache::beast::response_cache route, request req, profile_page handler) {
  co_return co_await route(req, handler);
}

std::vector<std::string> user_tag(const fast_cache::http::request_view& r) {
  return {"user:" + std::string(r.param("id").value_or(""))};
}

class RouteTags : public ::testing::Test {
 protected:
  void SetUp() override { cache.init(std::make_shared<fast_cache::InMemoryBackend>()); }

  page get(const std::string& target) {
    asio::io_context io;
    auto done =
        asio::co_spawn(io, send(route, request(http::verb::get, target, 11), profile_page{&runs}), asio::use_future);
    io.run();
    return done.get();
  }

  fast_cache::Cache cache;
  fast_cache::beast::response_cache route{{.expire = 60s, .tags = user_tag}, cache};
  std::atomic<int> runs{0};
};

TEST_F(RouteTags, InvalidatingATagMissesTheRoutesEntries) {
  EXPECT_EQ(get("/profile?id=42").body(), "profile /profile?id=42 run 1");
  EXPECT_EQ(get("/profile?id=42")["X-Cache"], "HIT");
  EXPECT_EQ(get("/profile?id=7").body(), "profile /profile?id=7 run 2");
  cache.invalidate_tags({"user:42"});
  const page after = get("/profile?id=42");
  EXPECT_EQ(after["X-Cache"], "MISS");
  EXPECT_EQ(after.body(), "profile /profile?id=42 run 3");
  EXPECT_EQ(get("/profile?id=42")["X-Cache"], "HIT") << "stored again under the new version";
  EXPECT_EQ(get("/profile?id=7")["X-Cache"], "HIT") << "another tag: untouched";
}

TEST_F(RouteTags, OneCallInvalidatesAFunctionAndARouteSharingATag) {
  int function_runs = 0;
  auto profile = cache.cached(
      "profile", {.tags = [](const int& id) { return std::vector<std::string>{"user:" + std::to_string(id)}; }},
      [&function_runs](int id) {
        ++function_runs;
        return "profile " + std::to_string(id);
      });
  profile(42);
  get("/profile?id=42");
  profile(42);
  EXPECT_EQ(get("/profile?id=42")["X-Cache"], "HIT");
  cache.invalidate_tags({"user:42"});
  profile(42);
  EXPECT_EQ(get("/profile?id=42")["X-Cache"], "MISS");
  EXPECT_EQ(function_runs, 2);
}

TEST_F(RouteTags, AClientRefreshStoresUnderTheCurrentVersions) {
  fast_cache::beast::response_cache refreshing({.expire = 60s, .allow_no_cache = true, .tags = user_tag}, cache);
  get("/profile?id=1");
  cache.invalidate_tags({"user:1"});
  request req(http::verb::get, "/profile?id=1", 11);
  req.set(http::field::cache_control, "no-cache");
  asio::io_context io;
  auto refreshed = asio::co_spawn(io, send(refreshing, req, profile_page{&runs}), asio::use_future);
  io.run();
  EXPECT_EQ(refreshed.get()["X-Cache"], "MISS");
  EXPECT_EQ(get("/profile?id=1")["X-Cache"], "HIT") << "the refresh stored under the version after invalidation";
}

}  // namespace
