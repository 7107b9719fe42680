// cache_route and app::handle without sockets: a map-backed Backend that can be made to fail.
#include <fast_cache/beast.hpp>
#include <fast_cache/http/entry.hpp>

#include "support/test_backends.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <thread>

namespace fast_cache::beast {
namespace {

using namespace std::chrono_literals;

class fake_backend : public Backend {
 public:
  bool failing = false;
  std::map<std::string, std::string> data;
  std::vector<expiry> set_expiries;

  std::optional<std::string> get(std::string_view key) override {
    check();
    const auto it = data.find(std::string(key));
    return it == data.end() ? std::nullopt : std::optional(it->second);
  }
  void set(std::string_view key, std::string_view value, expiry expire) override {
    check();
    data[std::string(key)] = value;
    set_expiries.push_back(expire);
  }
  bool has(std::string_view key) override { return get(key).has_value(); }
  void erase(std::string_view key) override { data.erase(std::string(key)); }
  void clear() override { data.clear(); }
  const std::string& namespace_name() const noexcept override { return ns_; }

 protected:
  void do_async_get(std::string key, diagnostics* diag, get_handler handler) override {
    std::optional<std::string> value;
    boost::system::error_code ec;
    try {
      value = get(key);
    } catch (...) {
      ec = error_code_from(std::current_exception(), diag);
    }
    post_completion(std::move(handler), ec, std::move(value));
  }
  void do_async_set(std::string key, std::string value, expiry expire, diagnostics* diag,
                    done_handler handler) override {
    boost::system::error_code ec;
    try {
      set(key, value, expire);
    } catch (...) {
      ec = error_code_from(std::current_exception(), diag);
    }
    post_completion(std::move(handler), ec);
  }
  void do_async_has(std::string key, diagnostics*, has_handler handler) override {
    post_completion(std::move(handler), boost::system::error_code{}, has(key));
  }
  void do_async_erase(std::string key, diagnostics*, done_handler handler) override {
    erase(key);
    post_completion(std::move(handler), boost::system::error_code{});
  }
  void do_async_clear(diagnostics*, done_handler handler) override {
    clear();
    post_completion(std::move(handler), boost::system::error_code{});
  }

 private:
  void check() const {
    if (failing) throw Error(errc::unavailable, "backend down");
  }
  std::string ns_ = "test";
};

int calls = 0;

response counted(const request& req) {
  ++calls;
  return json_response(boost::json::object{{"x", req.query<int>("x")}});
}

response unavailable(const request&) {
  ++calls;
  return json_response(boost::json::object{{"error", true}}, http::status::service_unavailable);
}

asio::awaitable<response> send(const app& a, Cache& cache, message msg) {
  request req(std::move(msg), cache);
  co_return co_await a.handle(req);
}

class CacheRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    calls = 0;
    cache.init(backend, {.default_expire = 120s});
    application.attach(cache);
    application.get("/counted", cache_route({.expire = 60s}, counted));
    application.get("/default", cache_route({}, counted));
    application.get("/unavailable", cache_route({}, unavailable));
  }

  response get(const std::string& target, std::vector<std::pair<std::string, std::string>> headers = {}) {
    message msg(http::verb::get, target, 11);
    for (const auto& [n, v] : headers) msg.set(n, v);
    asio::io_context context;
    auto result = asio::co_spawn(context, send(application, cache, std::move(msg)), asio::use_future);
    context.run();
    return result.get();
  }

  std::shared_ptr<fake_backend> backend = std::make_shared<fake_backend>();
  Cache cache;
  app application;
};

TEST_F(CacheRouteTest, MissStoresThenHitSkipsHandler) {
  const response miss = get("/counted?x=1");
  EXPECT_EQ(miss[("X-Cache")], "MISS");
  EXPECT_EQ(miss[http::field::cache_control], "max-age=60");
  ASSERT_EQ(backend->data.count("%http::GET /counted?x=1"), 1U);
  EXPECT_EQ(backend->set_expiries.at(0), expiry(60s));
  const response hit = get("/counted?x=1");
  EXPECT_EQ(hit["X-Cache"], "HIT");
  EXPECT_EQ(hit.body(), miss.body());
  EXPECT_EQ(hit[http::field::etag], miss[http::field::etag]);
  EXPECT_EQ(hit[http::field::content_type], "application/json");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(cache.stats().hits, 1U);
  EXPECT_EQ(cache.stats().misses, 1U);
}

TEST_F(CacheRouteTest, DefaultExpiryComesFromTheCache) {
  get("/default?x=1");
  EXPECT_EQ(backend->set_expiries.at(0), expiry(120s));
}

TEST_F(CacheRouteTest, NonSuccessIsNotStored) {
  EXPECT_EQ(get("/unavailable").result(), http::status::service_unavailable);
  EXPECT_EQ(get("/unavailable")["X-Cache"], "MISS");
  EXPECT_TRUE(backend->data.empty());
  EXPECT_EQ(calls, 2);
}

TEST_F(CacheRouteTest, FailOpenServesFreshAndCountsErrors) {
  backend->failing = true;
  const response r = get("/counted?x=2");
  EXPECT_EQ(r.result(), http::status::ok);
  EXPECT_EQ(r.body(), "{\"x\":2}");
  EXPECT_EQ(r["X-Cache"], "MISS");
  EXPECT_EQ(cache.stats().errors, 2U);  // the read and the write
  backend->failing = false;
  get("/counted?x=2");
  EXPECT_EQ(get("/counted?x=2")["X-Cache"], "HIT");
}

TEST_F(CacheRouteTest, GarbageEntryIsAMissAndIsReplaced) {
  backend->data["%http::GET /counted?x=3"] = "not an entry";
  EXPECT_EQ(get("/counted?x=3")["X-Cache"], "MISS");
  EXPECT_EQ(cache.stats().errors, 1U);
  EXPECT_EQ(get("/counted?x=3")["X-Cache"], "HIT");
}

TEST_F(CacheRouteTest, ExpiredEntryIsAMiss) {
  const auto old = fast_cache::http::make_entry(200, {}, "{\"x\":4}", fast_cache::http::clock::now() - 2min, 60s);
  backend->data["%http::GET /counted?x=4"] = fast_cache::http::encode_entry(old);
  EXPECT_EQ(get("/counted?x=4")["X-Cache"], "MISS");
  EXPECT_EQ(calls, 1);
}

TEST_F(CacheRouteTest, NotModified) {
  const std::string etag(get("/counted?x=5")[http::field::etag]);
  const response r = get("/counted?x=5", {{"If-None-Match", etag}});
  EXPECT_EQ(r.result(), http::status::not_modified);
  EXPECT_TRUE(r.body().empty());
}

TEST_F(CacheRouteTest, WithoutBackendRunsHandler) {
  cache.close();
  EXPECT_EQ(get("/counted?x=6")["X-Cache"], "MISS");
  EXPECT_EQ(get("/counted?x=6")["X-Cache"], "MISS");
  EXPECT_EQ(calls, 2);
}

TEST_F(CacheRouteTest, RoutingErrors) {
  EXPECT_EQ(get("/nope").result(), http::status::not_found);
  EXPECT_EQ(get("/counted").result(), http::status::unprocessable_entity);
  EXPECT_EQ(get("/counted?x=z").body(),
            "{\"detail\":[{\"loc\":[\"query\",\"x\"],\"msg\":\"Input should be a valid "
            "integer\",\"type\":\"int_parsing\"}]}");
}

TEST(InitApp, ShutdownClosesTheBackend) {
  app application;
  Cache cache;
  auto backend = std::make_shared<fake_backend>();
  cache.init_app(application, backend);
  EXPECT_EQ(&application.cache(), &cache);
  application.listen("127.0.0.1", 0);
  application.stop();
  application.run(1);
  EXPECT_EQ(cache.backend(), nullptr);
}

// The response goes before its store; until the store lands, reads in this process see it.
TEST_F(CacheRouteTest, ResponseDoesNotWaitForItsStore) {
  const auto slow = std::make_shared<testing::recording_backend>();
  cache.init(slow);
  slow->hold_writes();
  asio::io_context context;
  const auto request = [&](const std::string& target) {
    auto result =
        asio::co_spawn(context, send(application, cache, message(http::verb::get, target, 11)), asio::use_future);
    while (result.wait_for(0s) != std::future_status::ready) context.run_one();
    return result.get();
  };
  EXPECT_EQ(request("/counted?x=7")["X-Cache"], "MISS");
  EXPECT_FALSE(slow->has("%http::GET /counted?x=7")) << "the store is still on its way";
  EXPECT_EQ(cache.stats().background_stores_in_flight, 1U);
  EXPECT_EQ(request("/counted?x=7")["X-Cache"], "HIT");
  EXPECT_EQ(calls, 1);

  slow->release_writes();
  context.run();
  EXPECT_TRUE(slow->has("%http::GET /counted?x=7"));
  EXPECT_EQ(cache.stats().background_stores_in_flight, 0U);
  EXPECT_EQ(cache.stats().background_stores, 1U);
}

// Past the bound, a response waits for its own store: back-pressure, nothing dropped.
TEST_F(CacheRouteTest, BackgroundStoresAreBounded) {
  const auto slow = std::make_shared<testing::recording_backend>();
  cache.init(slow, {.max_background_stores = 1});
  slow->hold_writes();
  asio::io_context context;
  auto first =
      asio::co_spawn(context, send(application, cache, message(http::verb::get, "/counted?x=1", 11)), asio::use_future);
  auto second =
      asio::co_spawn(context, send(application, cache, message(http::verb::get, "/counted?x=2", 11)), asio::use_future);
  context.poll();
  EXPECT_EQ(first.wait_for(0s), std::future_status::ready);
  EXPECT_EQ(second.wait_for(0s), std::future_status::timeout) << "over the bound: waits for its store";
  slow->release_writes();
  context.run();
  EXPECT_EQ(second.get()["X-Cache"], "MISS");
  EXPECT_TRUE(slow->has("%http::GET /counted?x=1"));
  EXPECT_TRUE(slow->has("%http::GET /counted?x=2"));
  EXPECT_EQ(cache.stats().background_stores, 1U);
}

// Shutdown drains: close() waits for the stores in flight before it closes the backend.
TEST_F(CacheRouteTest, CloseWaitsForBackgroundStores) {
  const auto slow = std::make_shared<testing::recording_backend>();
  cache.init(slow);
  slow->hold_writes();
  asio::io_context context;
  auto miss =
      asio::co_spawn(context, send(application, cache, message(http::verb::get, "/counted?x=3", 11)), asio::use_future);
  while (miss.wait_for(0s) != std::future_status::ready) context.run_one();
  std::atomic<bool> closed{false};
  std::thread closer([&] {
    cache.close();
    closed = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(closed.load()) << "close() did not wait for the store in flight";
  slow->release_writes();
  context.run();
  closer.join();
  EXPECT_EQ(slow->expiries().size(), 1U) << "the store was made";
}

}  // namespace
}  // namespace fast_cache::beast
