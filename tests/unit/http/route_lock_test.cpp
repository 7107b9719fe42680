// route_options::lock on Beast routes (fast_cache::beast::response_cache): two servers sharing a
// store, each with its own Cache, run a missed route's handler once. Without sockets; the demo's
// end-to-end tests do the same with two server processes on Redis and DynamoDB.
#include <fast_cache/beast/response_cache.hpp>
#include <fast_cache/memory_backend.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/string_body.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;
using page = http::response<http::string_body>;
using request = http::request<http::string_body>;

asio::awaitable<page> render(std::atomic<int>* runs, http::status status) {
  const int run = runs->fetch_add(1) + 1;
  asio::steady_timer timer(co_await asio::this_coro::executor, 200ms);
  co_await timer.async_wait(asio::use_awaitable);
  page res(status, 11);
  res.body() = "rendered by run " + std::to_string(run);
  co_return res;
}

struct slow_page {
  std::atomic<int>* runs;
  http::status status = http::status::ok;
  asio::awaitable<page> operator()(const request&) const { return render(runs, status); }
};

asio::awaitable<void> fetch(fast_cache::beast::response_cache server, slow_page handler, page* out) {
  const request req(http::verb::get, "/report?id=1", 11);
  *out = co_await server(req, handler);
}

class RouteLock : public ::testing::Test {
 protected:
  void SetUp() override {
    first.init(store);
    second.init(store);
  }

  // Requests alternate between the two servers, all at once.
  std::vector<page> fetch_all(int requests, http::status status) {
    const fast_cache::http::route_options options{.expire = 60s,
                                                  .lock = fast_cache::lock_options{.lease = 5s, .wait = 5s}};
    const fast_cache::beast::response_cache server_a(options, first);
    const fast_cache::beast::response_cache server_b(options, second);
    asio::io_context io;
    std::vector<page> pages(requests);
    for (int i = 0; i < requests; ++i)
      asio::co_spawn(io, fetch(i % 2 == 0 ? server_a : server_b, slow_page{&runs, status}, &pages[i]), asio::detached);
    io.run();
    return pages;
  }

  std::shared_ptr<fast_cache::InMemoryBackend> store = std::make_shared<fast_cache::InMemoryBackend>();
  fast_cache::Cache first;
  fast_cache::Cache second;
  std::atomic<int> runs{0};
};

TEST_F(RouteLock, ServersSharingAStoreRunAMissedHandlerOnce) {
  const std::vector<page> pages = fetch_all(6, http::status::ok);
  EXPECT_EQ(runs.load(), 1);
  for (const page& p : pages) {
    EXPECT_EQ(p.result(), http::status::ok);
    EXPECT_EQ(p.body(), "rendered by run 1");
  }
  EXPECT_EQ(first.stats().locks_taken + second.stats().locks_taken, 1u);
  EXPECT_EQ(first.stats().lock_waits + second.stats().lock_waits, 5u);
}

TEST_F(RouteLock, AResponseThatIsNotStoredReleasesTheLockAtOnce) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<page> pages = fetch_all(2, http::status::internal_server_error);
  EXPECT_EQ(runs.load(), 2) << "the waiter found nothing stored and ran the handler itself";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s) << "without waiting for the lease";
  for (const page& p : pages) EXPECT_EQ(p.result(), http::status::internal_server_error);
}

}  // namespace
