// End to end through a real server and client: the adapter translates httplib's requests and
// responses, and the core's decisions (key, bypass, storability, served headers) come out right.
#include <fast_cache/httplib.hpp>

#include <fast_cache/memory_backend.hpp>

#include "support/wait_for.hpp"
#include "test_server.hpp"
#include "unit/core/wall_clock.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace fast_cache::testing {
namespace {

using namespace std::chrono_literals;
using cpp_httplib::cache_route;
using cpp_httplib::route_options;

class HttplibCacheRoute : public ::testing::Test {
 protected:
  HttplibCacheRoute() { cache_.init(std::make_shared<InMemoryBackend>()); }

  // A handler that counts its runs and answers with the run number, so a replay is visible.
  httplib::Server::Handler counting(int status = 200) {
    return [this, status](const httplib::Request&, httplib::Response& res) {
      const int run = ++runs_;
      res.status = status;
      res.set_content("run " + std::to_string(run), "text/plain");
    };
  }

  void get(const std::string& pattern, route_options options) {
    server_.server().Get(pattern, cache_route(cache_, std::move(options), counting()));
  }

  Cache cache_;
  std::atomic<int> runs_{0};
  test_server server_;
};

TEST_F(HttplibCacheRoute, MissThenHitRunsTheHandlerOnce) {
  get("/r", {.expire = 60s});
  server_.start();
  auto client = server_.client();

  const auto first = client.Get("/r");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->get_header_value("X-Cache"), "MISS");
  EXPECT_EQ(first->body, "run 1");

  const auto second = client.Get("/r");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->get_header_value("X-Cache"), "HIT");
  EXPECT_EQ(second->body, "run 1");
  EXPECT_EQ(second->get_header_value("Content-Type"), "text/plain");
  EXPECT_EQ(second->get_header_value_count("Content-Type"), 1U);
  EXPECT_EQ(runs_, 1);
  EXPECT_EQ(cache_.stats().hits, 1U);
  EXPECT_EQ(cache_.stats().misses, 1U);
}

TEST_F(HttplibCacheRoute, SkipCacheRunsTheHandlerAndStoresNothing) {
  get("/r", {.expire = 60s});
  server_.start();
  auto client = server_.client();

  ASSERT_EQ(client.Get("/r")->body, "run 1");
  const auto skipped = client.Get("/r?skip_cache=true");
  EXPECT_EQ(skipped->get_header_value("X-Cache"), "MISS");
  EXPECT_EQ(skipped->body, "run 2");
  EXPECT_EQ(client.Get("/r?skip_cache=1")->body, "run 3");
  const auto cached = client.Get("/r");
  EXPECT_EQ(cached->get_header_value("X-Cache"), "HIT");
  EXPECT_EQ(cached->body, "run 1");
}

TEST_F(HttplibCacheRoute, EtagAndNotModified) {
  get("/r", {.expire = 60s});
  server_.start();
  auto client = server_.client();

  const auto miss = client.Get("/r");
  const std::string etag = miss->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(client.Get("/r")->get_header_value("ETag"), etag);

  const auto not_modified = client.Get("/r", {{"If-None-Match", etag}});
  ASSERT_TRUE(not_modified);
  EXPECT_EQ(not_modified->status, 304);
  EXPECT_TRUE(not_modified->body.empty());
  EXPECT_EQ(not_modified->get_header_value("ETag"), etag);
  EXPECT_EQ(not_modified->get_header_value("X-Cache"), "HIT");

  EXPECT_EQ(client.Get("/r", {{"If-None-Match", "\"other\""}})->status, 200);
  EXPECT_EQ(runs_, 1);
}

// The seconds of `Cache-Control: max-age=<seconds>`, or -1. The core counts in whole seconds, so
// the value is the lifetime give or take one second, depending on where in a second it is read.
int max_age_of(const httplib::Result& res) {
  const std::string value = res->get_header_value("Cache-Control");
  return value.starts_with("max-age=") ? std::stoi(value.substr(8)) : -1;
}

TEST_F(HttplibCacheRoute, CacheControlCountsDownTheRouteExpiry) {
  get("/r", {.expire = 60s});
  server_.start();
  auto client = server_.client();

  EXPECT_NEAR(max_age_of(client.Get("/r")), 60, 1);
  EXPECT_NEAR(max_age_of(client.Get("/r")), 60, 1);
}

TEST_F(HttplibCacheRoute, TheCacheDefaultExpiryAppliesWhenTheRouteHasNone) {
  cache_.init(std::make_shared<InMemoryBackend>(), {.default_expire = 30s});
  get("/r", {});
  server_.start();

  EXPECT_NEAR(max_age_of(server_.client().Get("/r")), 30, 1);
}

TEST_F(HttplibCacheRoute, ErrorResponsesAreNotStored) {
  server_.server().Get("/missing", cache_route(cache_, {.expire = 60s}, counting(404)));
  server_.start();
  auto client = server_.client();

  const auto first = client.Get("/missing");
  EXPECT_EQ(first->status, 404);
  EXPECT_EQ(first->get_header_value("X-Cache"), "MISS");
  EXPECT_FALSE(first->has_header("ETag"));
  EXPECT_EQ(client.Get("/missing")->body, "run 2");
}

TEST_F(HttplibCacheRoute, PostIsNotCached) {
  server_.server().Post("/r", cache_route(cache_, {.expire = 60s}, counting()));
  server_.start();
  auto client = server_.client();

  EXPECT_EQ(client.Post("/r", "x", "text/plain")->body, "run 1");
  const auto second = client.Post("/r", "x", "text/plain");
  EXPECT_EQ(second->body, "run 2");
  EXPECT_EQ(second->get_header_value("X-Cache"), "MISS");
}

TEST_F(HttplibCacheRoute, HeadIsAnsweredFromTheGetEntry) {
  get("/r", {.expire = 60s});
  server_.start();
  auto client = server_.client();

  ASSERT_EQ(client.Get("/r")->body, "run 1");
  const auto head = client.Head("/r");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->get_header_value("X-Cache"), "HIT");
  EXPECT_TRUE(head->body.empty());
  EXPECT_EQ(runs_, 1);
}

TEST_F(HttplibCacheRoute, CredentialedRequestsNeitherReadNorWriteTheSharedEntry) {
  get("/r", {.expire = 60s});
  server_.start();
  auto client = server_.client();

  ASSERT_EQ(client.Get("/r")->body, "run 1");
  const auto authorized = client.Get("/r", {{"Authorization", "Bearer secret"}});
  EXPECT_EQ(authorized->body, "run 2");
  EXPECT_EQ(authorized->get_header_value("X-Cache"), "MISS");
  EXPECT_EQ(client.Get("/r", {{"Cookie", "session=abc"}})->body, "run 3");
  EXPECT_EQ(client.Get("/r")->body, "run 1");
}

TEST_F(HttplibCacheRoute, QueryParameterOrderDoesNotMatter) {
  get("/r", {.expire = 60s});
  server_.start();
  auto client = server_.client();

  ASSERT_EQ(client.Get("/r?a=1&b=2")->body, "run 1");
  const auto reordered = client.Get("/r?b=2&a=1");
  EXPECT_EQ(reordered->get_header_value("X-Cache"), "HIT");
  EXPECT_EQ(reordered->body, "run 1");
  EXPECT_EQ(client.Get("/r?a=1&b=3")->body, "run 2");
}

TEST_F(HttplibCacheRoute, KeysFollowWhatTheHandlerReads) {
  // The handler reads the first x as httplib decoded it: requests it tells apart never share an
  // entry, and requests it cannot tell apart do.
  server_.server().Get("/x",
                       cache_route(cache_, {.expire = 60s}, [](const httplib::Request& req, httplib::Response& res) {
                         res.set_content("x=" + req.get_param_value("x"), "text/plain");
                       }));
  server_.start();
  auto client = server_.client();

  EXPECT_EQ(client.Get("/x?x=5&x=1")->body, "x=5");
  const auto swapped = client.Get("/x?x=1&x=5");
  EXPECT_EQ(swapped->body, "x=1");
  EXPECT_EQ(swapped->get_header_value("X-Cache"), "MISS");
  // httplib leaves '+' as it is: to this handler "a+b" and "a%20b" differ, so their entries do.
  EXPECT_EQ(client.Get("/x?x=a%20b")->body, "x=a b");
  const auto plus = client.Get("/x?x=a+b");
  EXPECT_EQ(plus->body, "x=a+b");
  EXPECT_EQ(plus->get_header_value("X-Cache"), "MISS");
  const auto same_to_the_handler = client.Get("/x?x=a%20b");
  EXPECT_EQ(same_to_the_handler->get_header_value("X-Cache"), "HIT");
}

TEST_F(HttplibCacheRoute, PostBodiesAreKeyed) {
  server_.server().Post("/sum", cache_route(cache_, {.expire = 60s, .methods = {"POST"}},
                                            [this](const httplib::Request& req, httplib::Response& res) {
                                              res.set_content(req.body + " run " + std::to_string(++runs_),
                                                              "text/plain");
                                            }));
  server_.start();
  auto client = server_.client();

  EXPECT_EQ(client.Post("/sum", "[1,2]", "application/json")->body, "[1,2] run 1");
  EXPECT_EQ(client.Post("/sum", "[3,4]", "application/json")->body, "[3,4] run 2");
  EXPECT_EQ(client.Post("/sum", "[1,2]", "application/json")->body, "[1,2] run 1");
}

TEST_F(HttplibCacheRoute, VaryingHeadersMakeSeparateEntries) {
  get("/r", {.expire = 60s, .vary = {"Accept-Language"}});
  server_.start();
  auto client = server_.client();

  ASSERT_EQ(client.Get("/r", {{"Accept-Language", "en"}})->body, "run 1");
  ASSERT_EQ(client.Get("/r", {{"Accept-Language", "fr"}})->body, "run 2");
  const auto en = client.Get("/r", {{"Accept-Language", "en"}});
  EXPECT_EQ(en->body, "run 1");
  EXPECT_EQ(en->get_header_value("Vary"), "Accept-Language");
}

TEST_F(HttplibCacheRoute, ClientNoCacheRefreshesTheEntryWhenAllowed) {
  get("/r", {.expire = 60s, .allow_no_cache = true});
  server_.start();
  auto client = server_.client();

  ASSERT_EQ(client.Get("/r")->body, "run 1");
  const auto refreshed = client.Get("/r", {{"Cache-Control", "no-cache"}});
  EXPECT_EQ(refreshed->get_header_value("X-Cache"), "MISS");
  EXPECT_EQ(refreshed->body, "run 2");
  EXPECT_EQ(client.Get("/r")->body, "run 2");
}

TEST_F(HttplibCacheRoute, ResponsesSettingCookiesAreNotStored) {
  server_.server().Get("/r",
                       cache_route(cache_, {.expire = 60s}, [this](const httplib::Request&, httplib::Response& res) {
                         res.set_header("Set-Cookie", "id=1");
                         res.set_content("run " + std::to_string(++runs_), "text/plain");
                       }));
  server_.start();
  auto client = server_.client();

  ASSERT_EQ(client.Get("/r")->body, "run 1");
  EXPECT_EQ(client.Get("/r")->body, "run 2");
}

TEST_F(HttplibCacheRoute, HandlerWithoutStatusIsStoredAsOk) {
  server_.server().Get("/r", cache_route(cache_, {.expire = 60s}, [](const httplib::Request&, httplib::Response& res) {
                         res.set_content("{}", "application/json");
                       }));
  server_.start();
  auto client = server_.client();

  ASSERT_EQ(client.Get("/r")->status, 200);
  const auto hit = client.Get("/r");
  EXPECT_EQ(hit->status, 200);
  EXPECT_EQ(hit->get_header_value("X-Cache"), "HIT");
  EXPECT_EQ(hit->get_header_value("Content-Type"), "application/json");
}

TEST_F(HttplibCacheRoute, InvalidatingATagMissesTheEntriesCarryingIt) {
  get("/profile", {.expire = 60s, .tags = [](const http::request_view& r) {
                     return std::vector<std::string>{"user:" + std::string(r.param("id").value_or(""))};
                   }});
  server_.start();
  auto client = server_.client();
  EXPECT_EQ(client.Get("/profile?id=42")->body, "run 1");
  EXPECT_EQ(client.Get("/profile?id=7")->body, "run 2");
  EXPECT_EQ(client.Get("/profile?id=42")->get_header_value("X-Cache"), "HIT");
  cache_.invalidate_tags({"user:42"});
  const auto after = client.Get("/profile?id=42");
  EXPECT_EQ(after->get_header_value("X-Cache"), "MISS");
  EXPECT_EQ(after->body, "run 3");
  EXPECT_EQ(client.Get("/profile?id=42")->get_header_value("X-Cache"), "HIT");
  EXPECT_EQ(client.Get("/profile?id=7")->body, "run 2");
}

// Stale windows, on a wall clock moved by hand; refreshes run on the Cache's refresh threads.
class HttplibStaleRoute : public HttplibCacheRoute {
 protected:
  HttplibStaleRoute() { cache_.init(std::make_shared<InMemoryBackend>(), {.clock = clock_.function()}); }
  httplib::Server::Handler failing_after_first() {
    return [this](const httplib::Request&, httplib::Response& res) {
      const int run = ++runs_;
      if (run > 1 && failing_ == 1) throw std::runtime_error("upstream down");
      res.status = run > 1 && failing_ == 2 ? 503 : 200;
      res.set_content("run " + std::to_string(run), "text/plain");
    };
  }
  test::manual_wall_clock clock_;
  std::atomic<int> failing_{0};
};

TEST_F(HttplibStaleRoute, StaleWhileRevalidateRefreshesInTheBackground) {
  server_.server().Get("/q", cache_route(cache_, {.expire = 10s, .stale_while_revalidate = 30s}, counting()));
  server_.start();
  auto client = server_.client();
  EXPECT_EQ(client.Get("/q")->body, "run 1");
  clock_.advance(15s);
  const auto stale = client.Get("/q");
  EXPECT_EQ(stale->get_header_value("X-Cache"), "STALE");
  EXPECT_EQ(stale->body, "run 1");
  EXPECT_EQ(stale->get_header_value("Cache-Control"), "max-age=0, stale-while-revalidate=25");
  ASSERT_TRUE(wait_for([&] { return cache_.stats().refreshes == 1; }));
  EXPECT_EQ(client.Get("/q")->body, "run 2");
}

TEST_F(HttplibStaleRoute, StaleIfErrorAnswersAFailingHandler) {
  server_.server().Get("/q", cache_route(cache_, {.expire = 10s, .stale_if_error = 60s}, failing_after_first()));
  server_.start();
  auto client = server_.client();
  EXPECT_EQ(client.Get("/q")->body, "run 1");
  clock_.advance(20s);
  failing_ = 1;
  const auto thrown = client.Get("/q");
  EXPECT_EQ(thrown->status, 200);
  EXPECT_EQ(thrown->get_header_value("X-Cache"), "STALE");
  EXPECT_EQ(thrown->body, "run 1");
  failing_ = 2;
  EXPECT_EQ(client.Get("/q")->body, "run 1");
  EXPECT_EQ(cache_.stats().stale_if_error_served, 2u);
}

}  // namespace
}  // namespace fast_cache::testing
