// Many clients at once on one cached route: every answer is right, and once an entry is stored
// every later request is a hit.
#include <fast_cache/httplib.hpp>
#include <fast_cache/memory_backend.hpp>

#include "test_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace fast_cache::testing {
namespace {

using namespace std::chrono_literals;

// httplib 0.11 listens with a backlog of 5, which a burst of connects overflows (the kernel drops
// SYNs and clients retry after seconds). So every client connects once, in turn, is served a
// /ping, and keeps its connection for the requests that follow.
void connect_in_turn(test_server& server, int clients, std::vector<httplib::Client>& connections) {
  connections.reserve(clients);
  for (int t = 0; t < clients; ++t) {
    httplib::Client& client = connections.emplace_back(server.client());
    client.set_keep_alive(true);
    client.set_read_timeout(30s);
    ASSERT_TRUE(client.Get("/ping"));
  }
}

TEST(HttplibConcurrency, FiftyClientsGetCorrectAnswers) {
  constexpr int clients = 50;
  constexpr int requests_each = 10;
  constexpr int keys = 5;
  Cache cache;
  cache.init(std::make_shared<InMemoryBackend>());
  std::atomic<int> runs{0};
  test_server server;
  // A worker of its own for each client's connection (see connect_in_turn).
  server.server().new_task_queue = [] { return new httplib::ThreadPool(clients); };
  server.server().set_keep_alive_max_count(requests_each + 1);
  server.server().Get("/ping",
                      [](const httplib::Request&, httplib::Response& res) { res.set_content("", "text/plain"); });
  server.server().Get("/square", cpp_httplib::cache_route(cache, {.expire = 60s},
                                                          [&runs](const httplib::Request& req, httplib::Response& res) {
                                                            ++runs;
                                                            const int n = std::stoi(req.get_param_value("n"));
                                                            res.set_content(std::to_string(n * n), "text/plain");
                                                          }));
  server.start();

  std::vector<httplib::Client> connections;
  ASSERT_NO_FATAL_FAILURE(connect_in_turn(server, clients, connections));

  std::atomic<int> wrong{0};
  std::latch start(clients);
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < requests_each; ++i) {
        const int n = (t + i) % keys;
        const auto res = connections[t].Get("/square?n=" + std::to_string(n));
        if (!res || res->status != 200 || res->body != std::to_string(n * n)) ++wrong;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  connections.clear();

  EXPECT_EQ(wrong, 0);
  const cache_stats stats = cache.stats();
  EXPECT_EQ(stats.hits + stats.misses, static_cast<std::uint64_t>(clients * requests_each));
  EXPECT_EQ(stats.misses, static_cast<std::uint64_t>(runs.load()));
  EXPECT_EQ(stats.errors, 0U);

  const int runs_before = runs;
  auto client = server.client();
  for (int n = 0; n < keys; ++n) {
    EXPECT_EQ(client.Get("/square?n=" + std::to_string(n))->get_header_value("X-Cache"), "HIT");
  }
  EXPECT_EQ(runs, runs_before);
}

// route_options::lock: two Caches sharing a store (two processes, as far as the lock can tell)
// run a missed route's handler once between them. One server with a route per Cache, both keyed
// alike: two httplib servers in one process would share httplib's lazily built statics across
// their thread pools, which ThreadSanitizer, not seeing inside the library, reports as a race.
TEST(HttplibConcurrency, TwoCachesWithTheLockRunAMissedHandlerOnce) {
  auto store = std::make_shared<InMemoryBackend>();
  std::atomic<int> runs{0};
  const auto slow_report = [&runs](const httplib::Request&, httplib::Response& res) {
    const int run = ++runs;
    std::this_thread::sleep_for(200ms);
    res.set_content("report from run " + std::to_string(run), "text/plain");
  };
  const http::route_options options{.expire = 60s,
                                    .key_builder = [](const http::request_view&) { return std::string("report"); },
                                    .lock = lock_options{.lease = 5s, .wait = 5s}};
  Cache caches[2];
  test_server server;
  server.server().Get("/ping",
                      [](const httplib::Request&, httplib::Response& res) { res.set_content("", "text/plain"); });
  for (int i = 0; i < 2; ++i) {
    caches[i].init(store);
    server.server().Get("/report/" + std::to_string(i), cpp_httplib::cache_route(caches[i], options, slow_report));
  }
  server.start();
  constexpr int clients = 4;
  std::vector<httplib::Client> connections;
  ASSERT_NO_FATAL_FAILURE(connect_in_turn(server, clients, connections));
  std::vector<std::string> answers(clients);
  std::latch start(clients);
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      const auto res = connections[t].Get("/report/" + std::to_string(t % 2));
      answers[t] = res && res->status == 200 ? res->body : "failed";
    });
  }
  for (std::thread& thread : threads) thread.join();
  connections.clear();
  EXPECT_EQ(runs, 1);
  for (const std::string& answer : answers) EXPECT_EQ(answer, "report from run 1");
  EXPECT_EQ(caches[0].stats().locks_taken + caches[1].stats().locks_taken, 1U);
}

}  // namespace
}  // namespace fast_cache::testing
