// The async API with futures, callbacks and coroutines; completions never run inline.
#include <fast_cache/memory_backend.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/system/system_error.hpp>

#include <future>
#include <thread>

namespace fast_cache {
namespace {

using namespace std::chrono_literals;

TEST(MemoryAsync, UseFuture) {
  InMemoryBackend cache;
  cache.async_set("k", "v", asio::use_future).get();
  EXPECT_EQ(cache.async_get("k", asio::use_future).get(), "v");
  EXPECT_TRUE(cache.async_has("k", asio::use_future).get());
  cache.async_set_many({{"a", "1"}, {"b", "2"}}, 1h, asio::use_future).get();
  const auto values = cache.async_get_many({"a", "missing", "b"}, asio::use_future).get();
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0], "1");
  EXPECT_EQ(values[1], std::nullopt);
  EXPECT_EQ(values[2], "2");
  cache.async_erase_many({"a", "b"}, asio::use_future).get();
  cache.async_erase("k", asio::use_future).get();
  EXPECT_EQ(cache.size(), 0u);
  cache.set("x", "y");
  cache.async_clear(asio::use_future).get();
  EXPECT_EQ(cache.size(), 0u);
}

TEST(MemoryAsync, FailuresArriveAsErrorCodesWithDiagnostics) {
  InMemoryBackend cache;
  diagnostics diag;
  auto bad = cache.async_get("", diag, asio::use_future);
  try {
    (void)bad.get();
    ADD_FAILURE() << "an empty key was accepted";
  } catch (const boost::system::system_error& e) {
    EXPECT_EQ(e.code(), errc::invalid_argument);
  }
  EXPECT_THAT(diag.message, ::testing::HasSubstr("must not be empty"));
  cache.close();
  auto closed = cache.async_set("k", "v", asio::use_future);
  try {
    closed.get();
    ADD_FAILURE() << "a closed backend accepted a write";
  } catch (const boost::system::system_error& e) {
    EXPECT_EQ(e.code(), errc::closed);
  }
}

struct record_get {
  std::promise<std::optional<std::string>>* result;
  std::thread::id* ran_on;
  void operator()(boost::system::error_code e, std::optional<std::string> value) const {
    *ran_on = std::this_thread::get_id();
    if (e) return result->set_exception(std::make_exception_ptr(boost::system::system_error(e)));
    result->set_value(std::move(value));
  }
};

TEST(MemoryAsync, CallbackRunsElsewhereNotInline) {
  InMemoryBackend cache;
  cache.set("k", "v");
  std::promise<std::optional<std::string>> result;
  std::thread::id ran_on;
  cache.async_get("k", record_get{&result, &ran_on});
  EXPECT_EQ(result.get_future().get(), "v");
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

struct count_done {
  int* calls;
  boost::system::error_code* error;
  void operator()(boost::system::error_code e) const {
    ++*calls;
    *error = e;
  }
};

TEST(MemoryAsync, CompletionWaitsForItsExecutor) {
  InMemoryBackend cache;
  asio::io_context io;
  int calls = 0;
  boost::system::error_code error;
  cache.async_set("k", "v", asio::bind_executor(io, count_done{&calls, &error}));
  EXPECT_EQ(calls, 0) << "the completion ran inside the initiating call";
  EXPECT_EQ(cache.get("k"), "v") << "the work itself is done at once";
  io.run();
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(error);
}

asio::awaitable<void> round_trip(InMemoryBackend& cache, std::optional<std::string>& out, bool& had) {
  co_await cache.async_set("k", "from a coroutine", asio::use_awaitable);
  had = co_await cache.async_has("k", asio::use_awaitable);
  out = co_await cache.async_get("k", asio::use_awaitable);
  co_await cache.async_erase("k", asio::use_awaitable);
}

asio::awaitable<void> get_empty_key(InMemoryBackend& cache) { (void)co_await cache.async_get("", asio::use_awaitable); }

TEST(MemoryAsync, UseAwaitable) {
  InMemoryBackend cache;
  asio::io_context io;
  std::optional<std::string> out;
  bool had = false;
  auto done = asio::co_spawn(io, round_trip(cache, out, had), asio::use_future);
  auto failed = asio::co_spawn(io, get_empty_key(cache), asio::use_future);
  io.run();
  done.get();
  EXPECT_TRUE(had);
  EXPECT_EQ(out, "from a coroutine");
  EXPECT_FALSE(cache.has("k"));
  try {
    failed.get();
    ADD_FAILURE() << "an empty key was accepted";
  } catch (const boost::system::system_error& e) {
    EXPECT_EQ(e.code(), errc::invalid_argument);
  }
}

}  // namespace
}  // namespace fast_cache
