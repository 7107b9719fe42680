// Cache::init_app with an httplib::Server: the global cache serves cached routes and handlers
// (get_cache, as the seed's Depends), and the backend is closed once the server has stopped.
#include <fast_cache/httplib.hpp>
#include <fast_cache/memory_backend.hpp>

#include "test_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

namespace fast_cache::testing {
namespace {

using namespace std::chrono_literals;

TEST(HttplibInitApp, GlobalCacheServesRoutesAndHandlersAndClosesOnStop) {
  test_server server;
  auto backend = std::make_shared<InMemoryBackend>();
  fast_cache::cache.init_app(server.server(), backend, {.default_expire = 30s});

  std::atomic<int> runs{0};
  server.server().Get("/cached", cpp_httplib::cache_route({}, [&runs](const httplib::Request&, httplib::Response& res) {
                        res.set_content("run " + std::to_string(++runs), "text/plain");
                      }));
  server.server().Get("/visits", [](const httplib::Request&, httplib::Response& res) {
    const std::shared_ptr<Backend> store = fast_cache::cache.get_cache();
    const int visits = std::stoi(store->get("visits").value_or("0")) + 1;
    store->set("visits", std::to_string(visits));
    res.set_content(std::to_string(visits), "text/plain");
  });
  server.start();
  auto client = server.client();

  const std::string max_age = client.Get("/cached")->get_header_value("Cache-Control");
  EXPECT_TRUE(max_age == "max-age=30" || max_age == "max-age=31") << max_age;  // whole-second rounding
  EXPECT_EQ(client.Get("/cached")->get_header_value("X-Cache"), "HIT");
  EXPECT_EQ(client.Get("/visits")->body, "1");
  EXPECT_EQ(client.Get("/visits")->body, "2");
  EXPECT_EQ(backend->get("visits"), "2");
  EXPECT_NE(fast_cache::cache.backend(), nullptr);

  server.stop();
  EXPECT_EQ(fast_cache::cache.backend(), nullptr);
  EXPECT_THROW((void)fast_cache::cache.get_cache(), std::logic_error);
  EXPECT_THROW(backend->get("visits"), Error);
}

// A task queue that counts the tasks it ran, standing in for a user's own.
class counting_queue final : public httplib::TaskQueue {
 public:
  explicit counting_queue(std::atomic<int>& tasks) : tasks_(tasks), pool_(2) {}
  void enqueue(std::function<void()> fn) override {
    ++tasks_;
    pool_.enqueue(std::move(fn));
  }
  void shutdown() override { pool_.shutdown(); }

 private:
  std::atomic<int>& tasks_;
  httplib::ThreadPool pool_;
};

TEST(HttplibInitApp, KeepsACustomTaskQueueSetBeforeIt) {
  std::atomic<int> tasks{0};
  test_server server;
  server.server().new_task_queue = [&tasks] { return new counting_queue(tasks); };
  Cache cache;
  cache.init_app(server.server(), std::make_shared<InMemoryBackend>());
  server.server().Get("/r", cpp_httplib::cache_route(cache, {}, [](const httplib::Request&, httplib::Response& res) {
                        res.set_content("ok", "text/plain");
                      }));
  server.start();

  EXPECT_EQ(server.client().Get("/r")->body, "ok");
  EXPECT_EQ(tasks, 1);
  server.stop();
  EXPECT_EQ(cache.backend(), nullptr);
}

}  // namespace
}  // namespace fast_cache::testing
