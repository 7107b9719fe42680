// A failing backend or bytes that are not a cached response never break a cached route: the
// handler's fresh response is served and the failure is counted.
#include <fast_cache/httplib.hpp>
#include <fast_cache/memory_backend.hpp>

#include "support/test_backends.hpp"
#include "test_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace fast_cache::testing {
namespace {

using namespace std::chrono_literals;
using cpp_httplib::cache_route;

httplib::Server::Handler counting(std::atomic<int>& runs) {
  return [&runs](const httplib::Request&, httplib::Response& res) {
    res.set_content("run " + std::to_string(++runs), "text/plain");
  };
}

TEST(HttplibFailOpen, FailingBackendServesTheFreshResponseAndCountsTheErrors) {
  std::mutex mutex;
  std::vector<std::string> operations;
  Cache cache;
  cache.init(std::make_shared<failing_backend>(), {.on_error = [&](const cache_error& e) {
               std::lock_guard lock(mutex);
               operations.emplace_back(e.operation);
             }});
  std::atomic<int> runs{0};
  test_server server;
  server.server().Get("/r", cache_route(cache, {.expire = 60s}, counting(runs)));
  server.start();
  auto client = server.client();

  for (const char* body : {"run 1", "run 2"}) {
    const auto res = client.Get("/r");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, body);
    EXPECT_EQ(res->get_header_value("X-Cache"), "MISS");
  }
  EXPECT_EQ(cache.stats().errors, 4U);
  server.stop();
  EXPECT_EQ(operations, (std::vector<std::string>{"get", "set", "get", "set"}));
}

TEST(HttplibFailOpen, ForeignBytesAreAMissAndGetOverwritten) {
  auto backend = std::make_shared<InMemoryBackend>();
  Cache cache;
  cache.init(backend);
  const http::route_cache policy({});
  const std::string key = policy.plan(http::request_view{.method = "GET", .path = "/r"}).key;
  backend->set(key, "not an entry");

  std::atomic<int> runs{0};
  test_server server;
  server.server().Get("/r", cache_route(cache, {.expire = 60s}, counting(runs)));
  server.start();
  auto client = server.client();

  const auto miss = client.Get("/r");
  EXPECT_EQ(miss->body, "run 1");
  EXPECT_EQ(miss->get_header_value("X-Cache"), "MISS");
  EXPECT_EQ(cache.stats().errors, 1U);
  EXPECT_EQ(client.Get("/r")->get_header_value("X-Cache"), "HIT");
}

TEST(HttplibFailOpen, AnUninitialisedCacheRunsTheHandlerUncached) {
  Cache cache;
  std::atomic<int> runs{0};
  test_server server;
  server.server().Get("/r", cache_route(cache, {.expire = 60s}, counting(runs)));
  server.start();
  auto client = server.client();

  EXPECT_EQ(client.Get("/r")->body, "run 1");
  const auto second = client.Get("/r");
  EXPECT_EQ(second->body, "run 2");
  EXPECT_EQ(second->get_header_value("X-Cache"), "MISS");
  EXPECT_EQ(cache.stats().errors, 0U);
}

}  // namespace
}  // namespace fast_cache::testing
