// Stale-while-revalidate, stale-if-error and early refresh on Beast routes
// (fast_cache::beast::response_cache), on a wall clock moved by hand. Refreshes are coroutines on
// the request's executor: io.run() returns once they have stored.
#include <fast_cache/beast/response_cache.hpp>
#include <fast_cache/cache.hpp>
#include <fast_cache/memory_backend.hpp>

#include "unit/core/wall_clock.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/http/string_body.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;
using page = http::response<http::string_body>;
using request = http::request<http::string_body>;

// Answers "run N", or fails as told: by throwing, or with a status.
struct upstream {
  std::atomic<int>* runs;
  std::atomic<int>* fail_with;  // 0: answer; -1: throw; else that status
  std::chrono::milliseconds takes{0};
  page operator()(const request&) const {
    if (takes.count() > 0) std::this_thread::sleep_for(takes);
    const int run = ++*runs;
    if (*fail_with == -1) throw std::runtime_error("upstream down");
    page res(*fail_with == 0 ? http::status::ok : static_cast<http::status>(fail_with->load()), 11);
    res.body() = "run " + std::to_string(run);
    return res;
  }
};

asio::awaitable<page> send(fast_cache::beast::response_cache route, request req, upstream handler) {
  co_return co_await route(req, handler);
}

class RouteFreshness : public ::testing::Test {
 protected:
  void SetUp() override { cache.init(std::make_shared<fast_cache::InMemoryBackend>(), {.clock = clock.function()}); }

  page get(const fast_cache::beast::response_cache& route, std::chrono::milliseconds takes = 0ms) {
    asio::io_context io;
    auto done = asio::co_spawn(io, send(route, request(http::verb::get, "/quote", 11), upstream{&runs, &fail, takes}),
                               asio::use_future);
    io.run();  // the request, and any refresh it spawned
    return done.get();
  }

  fast_cache::test::manual_wall_clock clock;
  fast_cache::Cache cache;
  std::atomic<int> runs{0};
  std::atomic<int> fail{0};
};

TEST_F(RouteFreshness, FreshHitsAdvertiseTheWindows) {
  const fast_cache::beast::response_cache route({.expire = 10s, .stale_while_revalidate = 30s, .stale_if_error = 60s},
                                                cache);
  get(route);
  const page hit = get(route);
  EXPECT_EQ(hit["X-Cache"], "HIT");
  EXPECT_EQ(hit[http::field::cache_control], "max-age=10, stale-while-revalidate=30, stale-if-error=60");
}

TEST_F(RouteFreshness, StaleWhileRevalidateServesStaleAndRefreshesInTheBackground) {
  const fast_cache::beast::response_cache route({.expire = 10s, .stale_while_revalidate = 30s}, cache);
  EXPECT_EQ(get(route).body(), "run 1");
  clock.advance(15s);
  const page stale = get(route);
  EXPECT_EQ(stale["X-Cache"], "STALE");
  EXPECT_EQ(stale.body(), "run 1");
  EXPECT_EQ(stale[http::field::cache_control], "max-age=0, stale-while-revalidate=25");
  EXPECT_EQ(stale[http::field::age], "15");
  const page refreshed = get(route);
  EXPECT_EQ(refreshed["X-Cache"], "HIT");
  EXPECT_EQ(refreshed.body(), "run 2") << "the refresh stored its response";
  const auto stats = cache.stats();
  EXPECT_EQ(stats.stale_served, 1u);
  EXPECT_EQ(stats.refreshes, 1u);
  EXPECT_EQ(runs, 2);
}

TEST_F(RouteFreshness, AFailedRefreshKeepsTheStaleEntry) {
  const fast_cache::beast::response_cache route({.expire = 10s, .stale_while_revalidate = 30s}, cache);
  get(route);
  clock.advance(15s);
  fail = 503;
  EXPECT_EQ(get(route).body(), "run 1");
  EXPECT_EQ(cache.stats().refresh_failures, 1u);
  fail = -1;
  EXPECT_EQ(get(route)["X-Cache"], "STALE");
  EXPECT_EQ(cache.stats().refresh_failures, 2u);
}

TEST_F(RouteFreshness, StaleIfErrorAnswersAFailingHandlerWithTheStaleEntry) {
  const fast_cache::beast::response_cache route({.expire = 10s, .stale_if_error = 60s}, cache);
  EXPECT_EQ(get(route).body(), "run 1");
  clock.advance(20s);
  fail = -1;
  const page thrown = get(route);
  EXPECT_EQ(thrown["X-Cache"], "STALE");
  EXPECT_EQ(thrown.body(), "run 1");
  fail = 503;
  const page failed = get(route);
  EXPECT_EQ(failed.result_int(), 200U) << "a failure status is answered with the stale entry too";
  EXPECT_EQ(failed.body(), "run 1");
  EXPECT_EQ(cache.stats().stale_if_error_served, 2u);
  fail = 404;
  EXPECT_EQ(get(route).result_int(), 404U) << "404 is no failure by default: it goes through";
  clock.advance(60s);
  fail = 503;
  EXPECT_EQ(get(route).result_int(), 503U) << "past the window";
}

TEST_F(RouteFreshness, FailureStatusIsTheRoutesChoice) {
  const fast_cache::beast::response_cache route(
      {.expire = 10s, .stale_if_error = 60s, .failure_status = [](unsigned status) { return status == 404; }}, cache);
  get(route);
  clock.advance(20s);
  fail = 404;
  EXPECT_EQ(get(route).body(), "run 1");
  fail = 503;
  EXPECT_EQ(get(route).result_int(), 503U);
}

TEST_F(RouteFreshness, EarlyRefreshRefreshesAHotEntryBeforeItExpires) {
  const fast_cache::beast::response_cache route({.expire = 10s, .early_refresh_beta = 1e9}, cache);
  get(route, 5ms);  // a handler that takes time: the refresh starts ahead by it
  const page hit = get(route);
  EXPECT_EQ(hit["X-Cache"], "HIT");
  EXPECT_EQ(hit.body(), "run 1");
  EXPECT_EQ(cache.stats().early_refreshes, 1u);
  EXPECT_EQ(cache.stats().refreshes, 1u);
  EXPECT_EQ(runs, 2);
}

}  // namespace
