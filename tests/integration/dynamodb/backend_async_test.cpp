// The async API with every completion token, and many coroutines at once.
#include "integration/dynamodb/fixture.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <future>
#include <thread>

namespace fast_cache {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test::local_options;
using test::shared_table;
using test::unique_name;

class dynamodb_async : public ::testing::Test {
 protected:
  void SetUp() override {
    FAST_CACHE_REQUIRE_DYNAMODB();
    backend.emplace(local_options(shared_table, unique_name("async")));
  }
  std::optional<DynamoDBBackend> backend;
};

asio::awaitable<void> every_op(DynamoDBBackend& b) {
  EXPECT_EQ(co_await b.async_get("k", asio::use_awaitable), std::nullopt);
  co_await b.async_set("k", "v", asio::use_awaitable);
  EXPECT_EQ(co_await b.async_get("k", asio::use_awaitable), "v");
  EXPECT_TRUE(co_await b.async_has("k", asio::use_awaitable));
  co_await b.async_erase("k", asio::use_awaitable);
  EXPECT_FALSE(co_await b.async_has("k", asio::use_awaitable));
  // Arguments as named objects: g++ 12 rejects braced lists of string literals inside co_await.
  std::vector<item> items = {{"a", "1"}, {"b", "2"}};
  std::vector<std::string> keys = {"a", "b", "c"}, first = {"a"};
  co_await b.async_set_many(std::move(items), std::chrono::seconds(60), asio::use_awaitable);
  const auto values = co_await b.async_get_many(std::move(keys), asio::use_awaitable);
  EXPECT_EQ(values, (std::vector<std::optional<std::string>>{"1", "2", std::nullopt}));
  co_await b.async_erase_many(std::move(first), asio::use_awaitable);
  EXPECT_FALSE(co_await b.async_has("a", asio::use_awaitable));
  co_await b.async_clear(asio::use_awaitable);
  EXPECT_FALSE(co_await b.async_has("b", asio::use_awaitable));
  bool threw = false;
  try {
    co_await b.async_get("", asio::use_awaitable);
  } catch (const boost::system::system_error& e) {
    threw = e.code() == errc::invalid_argument;
  }
  EXPECT_TRUE(threw);
}

TEST_F(dynamodb_async, use_awaitable_every_op) {
  asio::io_context ioc;
  auto done = asio::co_spawn(ioc, every_op(*backend), asio::use_future);
  ioc.run();
  done.get();
}

TEST_F(dynamodb_async, use_future_every_op) {
  backend->async_set("k", "v", asio::use_future).get();
  EXPECT_EQ(backend->async_get("k", asio::use_future).get(), "v");
  EXPECT_TRUE(backend->async_has("k", asio::use_future).get());
  backend->async_set_many({{"a", "1"}}, std::nullopt, asio::use_future).get();
  EXPECT_EQ(backend->async_get_many({"a", "k"}, asio::use_future).get(),
            (std::vector<std::optional<std::string>>{"1", "v"}));
  backend->async_erase("k", asio::use_future).get();
  backend->async_erase_many({"a"}, asio::use_future).get();
  EXPECT_FALSE(backend->async_has("a", asio::use_future).get());
  backend->async_clear(asio::use_future).get();
  EXPECT_THROW(backend->async_set("", "v", asio::use_future).get(), boost::system::system_error);
}

TEST_F(dynamodb_async, callbacks_run_on_their_executor_never_inline) {
  asio::io_context ioc;
  auto work = asio::make_work_guard(ioc);  // the completions arrive from another thread
  std::promise<std::optional<std::string>> got;
  bool returned = false;
  backend->async_set("k", "v", asio::bind_executor(ioc, [&](boost::system::error_code e) {
                       EXPECT_FALSE(e);
                       EXPECT_TRUE(returned);
                       EXPECT_TRUE(ioc.get_executor().running_in_this_thread());
                       backend->async_get("k", asio::bind_executor(ioc, [&](boost::system::error_code e2,
                                                                            std::optional<std::string> v) {
                                            EXPECT_FALSE(e2);
                                            got.set_value(std::move(v));
                                            work.reset();
                                          }));
                     }));
  returned = true;
  ioc.run();
  EXPECT_EQ(got.get_future().get(), "v");

  // Without an associated executor the completion still never runs inside the call.
  // It runs on another thread (a flag set after the call would race with it).
  std::promise<bool> has;
  const auto caller = std::this_thread::get_id();
  backend->async_has("k", [&](boost::system::error_code, bool v) {
    EXPECT_NE(std::this_thread::get_id(), caller);
    has.set_value(v);
  });
  EXPECT_TRUE(has.get_future().get());
}

asio::awaitable<void> set_then_get(DynamoDBBackend& b, int i, std::atomic<int>& ok) {
  const std::string key = "c" + std::to_string(i);
  co_await b.async_set(key, "value" + std::to_string(i), asio::use_awaitable);
  if (co_await b.async_get(key, asio::use_awaitable) == "value" + std::to_string(i)) ++ok;
}

TEST_F(dynamodb_async, five_hundred_concurrent_coroutines) {
  asio::io_context ioc;
  std::atomic<int> ok{0};
  std::vector<std::future<void>> done;
  for (int i = 0; i < 500; ++i) done.push_back(asio::co_spawn(ioc, set_then_get(*backend, i, ok), asio::use_future));
  ioc.run();
  for (auto& f : done) f.get();
  EXPECT_EQ(ok.load(), 500);
  backend->clear();
}

TEST_F(dynamodb_async, sync_call_from_a_completion_handler_does_not_deadlock) {
  std::promise<std::string> message;
  // Completions are posted away from the backend's io thread, so blocking in one is safe.
  backend->async_set("k", "v", [&](boost::system::error_code) {
    try {
      message.set_value(backend->get("k").value_or("absent"));
    } catch (const std::exception& e) {
      message.set_value(e.what());
    }
  });
  EXPECT_EQ(message.get_future().get(), "v");
}

// Named coroutines with by-value parameters (GCC PR 100611).
asio::awaitable<void> set_counting_closed(DynamoDBBackend& b, std::string key, int* closed) {
  try {
    co_await b.async_set(std::move(key), "v", asio::use_awaitable);
  } catch (const boost::system::system_error& e) {
    EXPECT_EQ(e.code(), errc::closed) << e.what();
    ++*closed;
  }
}

asio::awaitable<void> close_backend(DynamoDBBackend& b) {
  b.close();
  co_return;
}

// Coroutines' operations run on their own io_context: close() must fail them there too.
TEST_F(dynamodb_async, close_fails_operations_running_on_the_callers_io_context) {
  asio::io_context ioc;
  int closed = 0;
  for (int i = 0; i < 20; ++i)
    asio::co_spawn(ioc, set_counting_closed(*backend, "c" + std::to_string(i), &closed), asio::detached);
  asio::co_spawn(ioc, close_backend(*backend), asio::detached);  // runs before any answer can arrive
  ioc.run();
  EXPECT_EQ(closed, 20);
}

// The connections a backend keeps on a caller's io_context go with that io_context.
TEST_F(dynamodb_async, io_context_destroyed_before_the_backend) {
  for (int round = 0; round < 2; ++round) {
    asio::io_context ioc;
    auto done = asio::co_spawn(ioc, every_op(*backend), asio::use_future);
    ioc.run();
    done.get();
  }
  backend->set("k", "v");
  EXPECT_EQ(backend->get("k"), "v");
}

TEST_F(dynamodb_async, close_fails_pending_and_later_operations) {
  std::vector<std::future<void>> pending;
  for (int i = 0; i < 50; ++i) pending.push_back(backend->async_set("p" + std::to_string(i), "v", asio::use_future));
  backend->close();
  for (auto& f : pending) {
    try {
      f.get();
    } catch (const boost::system::system_error& e) {
      EXPECT_EQ(e.code(), errc::closed) << e.what();
    }
  }
  try {
    backend->async_get("k", asio::use_future).get();
    FAIL();
  } catch (const boost::system::system_error& e) {
    EXPECT_EQ(e.code(), errc::closed);
  }
}

}  // namespace
}  // namespace fast_cache
