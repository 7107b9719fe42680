// A sick DynamoDB never slows its caller past a budget: DynamoDB Local behind a fault-injecting
// proxy that hangs, refuses, resets, slows and throttles. Latency bounds have wide margins
// (shared, noisy machines); what they catch is a call waiting seconds instead of milliseconds.
#include "integration/dynamodb/fixture.hpp"
#include "support/fault_proxy.hpp"

#include <fast_cache/cache.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/system/system_error.hpp>

#include <gtest/gtest.h>

#include <variant>

namespace fast_cache {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test::fault_mode;
using test::fault_proxy;
using clock_type = std::chrono::steady_clock;

// Generous slack over a budget: what a loaded 2-core machine may add to a call.
constexpr auto slack = 400ms;

class dynamodb_resilience : public ::testing::Test {
 protected:
  void SetUp() override {
    FAST_CACHE_REQUIRE_DYNAMODB();
    proxy.emplace(test::dynamodb_endpoint());
  }

  // Default budgets (what a user gets), a short breaker cooldown so the tests are quick.
  DynamoDBOptions options() const {
    DynamoDBOptions o;
    o.table_name = test::shared_table;
    o.region_name = "us-east-1";
    o.namespace_ = test::unique_name("res");
    o.aws_access_key_id = o.aws_secret_access_key = "fake";
    o.endpoint_url = proxy->endpoint_url();
    o.breaker.cooldown = 300ms;
    return o;
  }

  std::optional<fault_proxy> proxy;
};

// How long f() took, and the error code it threw (success when none).
template <class F>
std::pair<clock_type::duration, boost::system::error_code> timed(F f) {
  const auto start = clock_type::now();
  boost::system::error_code ec;
  try {
    f();
  } catch (const Error& e) {
    ec = e.code();
  }
  return {clock_type::now() - start, ec};
}

TEST_F(dynamodb_resilience, hung_server_costs_at_most_the_budget) {
  DynamoDBBackend b(options());
  b.set("k", "v");
  proxy->set_mode(fault_mode::stall());
  const auto [read_time, read_ec] = timed([&] { (void)b.get("k"); });
  EXPECT_EQ(read_ec, errc::timeout);
  EXPECT_LT(read_time, 200ms + slack);
  EXPECT_GE(read_time, 150ms) << "the read gave up before its budget";
  const auto [write_time, write_ec] = timed([&] { b.set("k", "v2"); });
  EXPECT_EQ(write_ec, errc::timeout);
  EXPECT_LT(write_time, 400ms + slack);

  // The same through the async API, on the backend's own thread and on a caller's io_context.
  const auto start = clock_type::now();
  EXPECT_THROW(b.async_get("k", asio::use_future).get(), boost::system::system_error);
  EXPECT_LT(clock_type::now() - start, 200ms + slack);

  proxy->set_mode(fault_mode::pass());
  ASSERT_TRUE(test::set_succeeds_within(b, "k", "v3"));
  EXPECT_EQ(b.get("k"), "v3");
  EXPECT_GE(b.stats().timeouts, 3u);
}

TEST_F(dynamodb_resilience, dead_server_opens_the_breaker_then_a_probe_closes_it) {
  DynamoDBBackend b(options());
  b.set("k", "v");
  proxy->set_mode(fault_mode::refuse());
  for (int i = 0; i < 5; ++i) EXPECT_THROW((void)b.get("k"), Error);
  auto stats = b.stats();
  EXPECT_EQ(stats.breaker_state, "open");
  EXPECT_EQ(stats.breaker_opens, 1u);

  // Open: calls fail at once, without touching the network.
  const auto accepted = proxy->connections_accepted();
  const auto start = clock_type::now();
  for (int i = 0; i < 100; ++i) {
    const auto [time, ec] = timed([&] { (void)b.get("k"); });
    EXPECT_EQ(ec, errc::unavailable);
  }
  EXPECT_LT(clock_type::now() - start, 100ms) << "100 calls with the breaker open";
  EXPECT_EQ(proxy->connections_accepted(), accepted);
  EXPECT_GE(b.stats().breaker_rejections, 100u);

  // Recovery: after the cooldown one probe goes through and closes the breaker.
  proxy->set_mode(fault_mode::pass());
  ASSERT_TRUE(test::set_succeeds_within(b, "k", "back"));
  EXPECT_EQ(b.get("k"), "back");
  EXPECT_EQ(b.stats().breaker_state, "closed");
}

TEST_F(dynamodb_resilience, a_failed_probe_opens_the_breaker_again) {
  auto o = options();
  o.breaker.failure_threshold = 2;
  DynamoDBBackend b(o);
  proxy->set_mode(fault_mode::refuse());
  for (int i = 0; i < 2; ++i) EXPECT_THROW((void)b.get("k"), Error);
  ASSERT_EQ(b.stats().breaker_opens, 1u);
  std::this_thread::sleep_for(350ms);
  EXPECT_THROW((void)b.get("k"), Error);  // the probe, refused
  EXPECT_EQ(b.stats().breaker_opens, 2u);
  EXPECT_EQ(b.stats().breaker_state, "open");
}

TEST_F(dynamodb_resilience, breaker_can_be_turned_off_and_a_refused_connection_fails_at_once) {
  auto o = options();
  o.breaker.enabled = false;
  DynamoDBBackend b(o);
  proxy->set_mode(fault_mode::refuse());
  for (int i = 0; i < 8; ++i) {
    const auto [time, ec] = timed([&] { (void)b.get("k"); });
    EXPECT_EQ(ec, errc::unavailable);
    // Nobody listens: retrying within the budget would only spend it on backoff. Under the
    // 200 ms read budget, with room for a loaded machine (a refused connect under ASan took 55 ms).
    EXPECT_LT(time, 150ms);
  }
  EXPECT_EQ(b.stats().retries, 0u);
  EXPECT_EQ(b.stats().breaker_state, "none");
  EXPECT_EQ(b.stats().breaker_rejections, 0u);
}

TEST_F(dynamodb_resilience, slow_server_within_budget_answers_beyond_it_times_out) {
  auto o = options();
  o.read_budget = 2s;
  DynamoDBBackend patient(o);
  DynamoDBBackend impatient(options());
  patient.set("k", "v");
  proxy->set_mode(fault_mode::delay(250ms));
  EXPECT_EQ(patient.get("k"), "v");
  const auto [time, ec] = timed([&] { (void)impatient.get("k"); });
  EXPECT_EQ(ec, errc::timeout);
  EXPECT_LT(time, 200ms + slack);
}

TEST_F(dynamodb_resilience, connection_resets_are_retried_within_the_budget) {
  auto o = options();
  o.read_budget = o.write_budget = 2s;  // room for retries: this is about correctness, not speed
  DynamoDBBackend b(o);
  proxy->set_mode(fault_mode::reset_fraction(0.3, 7));
  int ok = 0;
  for (int i = 0; i < 40; ++i) {
    const auto [time, ec] = timed([&] { b.set("k" + std::to_string(i), "v"); });
    EXPECT_LT(time, 2s + slack);
    ok += ec ? 0 : 1;
  }
  // Four attempts per call: a call fails only when all four connections are reset (0.8%).
  EXPECT_GE(ok, 36);
  EXPECT_GT(b.stats().retries, 0u);
  proxy->set_mode(fault_mode::pass());
  EXPECT_EQ(b.get("k0").has_value(), true);
}

TEST_F(dynamodb_resilience, throttling_storm_fails_within_the_budget_and_opens_the_breaker) {
  DynamoDBBackend b(options());
  proxy->set_mode(fault_mode::canned_http(fault_proxy::dynamodb_throttling_response()));
  for (int i = 0; i < 5; ++i) {
    const auto [time, ec] = timed([&] { b.set("k", "v"); });
    EXPECT_EQ(ec, errc::throttled);
    EXPECT_LT(time, 400ms + slack);
  }
  EXPECT_EQ(b.stats().breaker_state, "open");
  EXPECT_GE(b.stats().throttled, 5u);
  proxy->set_mode(fault_mode::pass());
  EXPECT_TRUE(test::set_succeeds_within(b, "k", "v"));
}

TEST_F(dynamodb_resilience, garbage_and_truncated_answers_are_protocol_or_transport_errors) {
  DynamoDBBackend b(options());
  b.set("k", "v");
  proxy->set_mode(fault_mode::garbage());
  const auto [t1, garbage_ec] = timed([&] { (void)b.get("k"); });
  EXPECT_TRUE(garbage_ec == errc::unavailable || garbage_ec == errc::protocol) << garbage_ec.message();
  proxy->set_mode(fault_mode::close_after(20));
  const auto [t2, truncated_ec] = timed([&] { (void)b.get("k"); });
  EXPECT_TRUE(truncated_ec == errc::unavailable || truncated_ec == errc::protocol) << truncated_ec.message();
  proxy->set_mode(fault_mode::pass());
  ASSERT_TRUE(test::set_succeeds_within(b, "k", "after"));
  EXPECT_EQ(b.get("k"), "after");
}

// ---- cancellation ----

asio::awaitable<void> get_or_timer(DynamoDBBackend& b, std::string key,
                                   std::variant<std::optional<std::string>, std::monostate>* out) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(co_await asio::this_coro::executor, 20ms);
  *out = co_await (b.async_get(std::move(key), asio::use_awaitable) || timer.async_wait(asio::use_awaitable));
}

asio::awaitable<std::optional<std::string>> get_once(DynamoDBBackend& b, std::string key) {
  co_return co_await b.async_get(std::move(key), asio::use_awaitable);
}

TEST_F(dynamodb_resilience, cancelled_calls_end_at_once_and_leave_the_pool_sound) {
  auto o = options();
  o.read_budget = 5s;  // only cancellation can end these calls early
  DynamoDBBackend b(o);
  b.set("k", "v");
  proxy->set_mode(fault_mode::stall());

  asio::io_context ioc;
  std::variant<std::optional<std::string>, std::monostate> raced;
  auto start = clock_type::now();
  auto done = asio::co_spawn(ioc, get_or_timer(b, "k", &raced), asio::use_future);
  ioc.run();
  done.get();
  EXPECT_EQ(raced.index(), 1u) << "the timer won";
  EXPECT_LT(clock_type::now() - start, 20ms + slack);

  // A cancellation signal of the caller's own, on a callback.
  asio::cancellation_signal signal;
  boost::system::error_code cancelled_ec;
  ioc.restart();
  start = clock_type::now();
  b.async_get(
      "k", asio::bind_cancellation_slot(
               signal.slot(), asio::bind_executor(ioc, [&](boost::system::error_code ec, std::optional<std::string>) {
                 cancelled_ec = ec;
               })));
  asio::steady_timer later(ioc, 20ms);
  later.async_wait([&](boost::system::error_code) { signal.emit(asio::cancellation_type::terminal); });
  ioc.run();
  EXPECT_EQ(cancelled_ec, asio::error::operation_aborted);
  EXPECT_LT(clock_type::now() - start, 20ms + slack);
  EXPECT_GE(b.stats().cancelled, 2u);

  // The stalled connections were closed, not pooled: with the server back, calls work.
  proxy->set_mode(fault_mode::pass());
  ioc.restart();
  auto again = asio::co_spawn(ioc, get_once(b, "k"), asio::use_future);
  ioc.run();
  EXPECT_EQ(again.get(), "v");
}

// ---- through the Cache ----

TEST_F(dynamodb_resilience, cached_function_with_a_hung_backend_returns_within_read_and_write_budgets) {
  Cache cache;
  cache.init(std::make_shared<DynamoDBBackend>(options()));
  auto f = cache.cached("f", [](int x) { return x * 2; });
  EXPECT_EQ(f(1), 2);
  proxy->set_mode(fault_mode::stall());
  const auto start = clock_type::now();
  EXPECT_EQ(f(2), 4);
  EXPECT_LT(clock_type::now() - start, 200ms + 400ms + slack);
  EXPECT_EQ(cache.stats().timeouts, 2u);
  proxy->set_mode(fault_mode::pass());
}

}  // namespace
}  // namespace fast_cache
