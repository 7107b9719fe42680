// Shared helpers of the DynamoDB integration tests: the server under test, unique names, and a
// raw client for writing items the backend would not write itself.
#pragma once

#include "dynamodb/client.hpp"
#include "dynamodb/config.hpp"

#include <fast_cache/dynamodb_backend.hpp>

#include "support/wait_for.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include <unistd.h>
#include <atomic>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

namespace fast_cache::test {

/// The DynamoDB Local endpoint started by `scripts/services start dynamodb`.
inline std::string dynamodb_endpoint() {
  const char* v = std::getenv("FAST_CACHE_DYNAMODB_ENDPOINT");
  return v ? v : "";
}

#define FAST_CACHE_REQUIRE_DYNAMODB()                                                                          \
  do {                                                                                                         \
    if (::fast_cache::test::dynamodb_endpoint().empty())                                                       \
      GTEST_SKIP() << "FAST_CACHE_DYNAMODB_ENDPOINT is not set (eval \"$(scripts/services start dynamodb)\")"; \
  } while (0)

/// A name no other test process uses: tests run in parallel against one server.
inline std::string unique_name(std::string_view prefix) {
  static std::atomic<int> counter{0};
  static const unsigned salt = std::random_device{}() % 100000;
  return std::string(prefix) + "_" + std::to_string(::getpid()) + "_" + std::to_string(salt) + "_" +
         std::to_string(counter++);
}

/// The table most tests share; each test takes its own namespace in it.
inline constexpr const char* shared_table = "fast_cache_it";

inline DynamoDBOptions local_options(std::string table, std::string ns, std::string endpoint = dynamodb_endpoint()) {
  DynamoDBOptions o;
  o.table_name = std::move(table);
  o.region_name = "us-east-1";
  o.namespace_ = std::move(ns);
  o.aws_access_key_id = "fake";
  o.aws_secret_access_key = "fake";
  o.endpoint_url = std::move(endpoint);
  // These tests check behaviour, not budgets: a machine busy with the rest of the suite must not
  // turn a slow answer into a failure. The budget tests set their own.
  o.read_budget = o.write_budget = std::chrono::seconds(20);
  return o;
}

/// Whether `b.set(key, value)` succeeds within `limit`, retried as a caller would: how a test
/// waits for a backend to recover by itself (the breaker's probe, a table made again).
inline bool set_succeeds_within(Backend& b, const std::string& key, const std::string& value,
                                std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  return testing::wait_for(
      [&] {
        try {
          b.set(key, value);
          return true;
        } catch (const Error&) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          return false;
        }
      },
      limit);
}

/// Sends raw DynamoDB requests (signed, retried) outside any backend.
class raw_dynamodb {
 public:
  explicit raw_dynamodb(std::string endpoint = dynamodb_endpoint()) {
    DynamoDBOptions o = local_options("unused", "unused", std::move(endpoint));
    api_.emplace(ioc_.get_executor(), dynamodb::resolve_config(o, {}, {}), net::client_options{},
                 dynamodb::retry_policy{});
  }
  ~raw_dynamodb() {
    boost::asio::post(ioc_, [this] { api_->close(); });
    work_.reset();
    thread_.join();
  }
  std::string call(std::string op, std::string body) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    return boost::asio::co_spawn(ioc_, api_->call(std::move(op), std::move(body), deadline), boost::asio::use_future)
        .get();
  }

 private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{ioc_.get_executor()};
  std::optional<dynamodb::client> api_;
  std::thread thread_{[this] { ioc_.run(); }};
};

}  // namespace fast_cache::test
