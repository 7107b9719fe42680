// The Backend contract, one typed suite every backend passes: sync and async API, namespaces,
// expiry, batches, bad input, close, cancellation, and (for backends with a server) budgets
// against a stalled server and the circuit breaker, through the fault proxy. A new backend joins
// by adding a traits struct to `backends` below.
#include "integration/dynamodb/fixture.hpp"
#include "support/fault_proxy.hpp"

#include <fast_cache/cache.hpp>
#include <fast_cache/dynamodb_backend.hpp>
#include <fast_cache/memory_backend.hpp>
#include <fast_cache/redis_backend.hpp>
#include <fast_cache/tiered_backend.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/system/system_error.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace fast_cache {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test::fault_mode;
using test::fault_proxy;
using clock_type = std::chrono::steady_clock;

// ---- the backends under test ----

struct memory_traits {
  static constexpr const char* name = "memory";
  static constexpr bool has_server = false;
  static constexpr bool through_proxy = false;
  static constexpr std::size_t value_limit = 1 << 20;  // what make() configures
  static bool available() { return true; }
  static std::shared_ptr<Backend> make(const std::string& ns, const std::string& /*endpoint*/ = {}) {
    return std::make_shared<InMemoryBackend>(InMemoryOptions{.namespace_ = ns, .max_bytes = value_limit, .shards = 1});
  }
};

struct dynamodb_traits {
  static constexpr const char* name = "dynamodb";
  static constexpr bool has_server = true;
  static constexpr bool through_proxy = true;
  static constexpr std::size_t value_limit = 400 * 1024;
  static bool available() { return !test::dynamodb_endpoint().empty(); }
  static std::string endpoint() { return test::dynamodb_endpoint(); }
  static std::shared_ptr<Backend> make(const std::string& ns, const std::string& endpoint = test::dynamodb_endpoint()) {
    DynamoDBOptions o = test::local_options(test::shared_table, ns, endpoint);
    o.read_budget = 200ms;  // the defaults: the budget tests below measure them
    o.write_budget = 400ms;
    o.breaker.cooldown = 300ms;
    return std::make_shared<DynamoDBBackend>(o);
  }
};

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// "scheme://[userinfo@]host:port[/...]" -> "host:port".
std::string authority_of(const std::string& url) {
  std::string rest = url.substr(url.find("://") + 3);
  rest = rest.substr(0, rest.find_first_of("/?"));
  return rest.substr(rest.find('@') == std::string::npos ? 0 : rest.find('@') + 1);
}

// Redis from scripts/services (FAST_CACHE_REDIS_URL, or the TLS + ACL one); through the fault
// proxy, the same URL with the proxy's address.
template <const char* UrlVariable>
struct redis_traits_of {
  static constexpr bool has_server = true;
  static constexpr bool through_proxy = true;
  static constexpr std::size_t value_limit = 1 << 20;  // what make() configures
  static bool available() { return !env_or_empty(UrlVariable).empty(); }
  static std::string endpoint() { return "http://" + authority_of(env_or_empty(UrlVariable)); }
  static std::shared_ptr<Backend> make(const std::string& ns, const std::string& at = {}) {
    std::string url = env_or_empty(UrlVariable);
    const std::string authority = authority_of(url);
    if (!at.empty()) url.replace(url.find(authority), authority.size(), authority_of(at));
    RedisOptions o = redis_options_from_url(url);
    o.namespace_ = ns;
    o.max_value_bytes = value_limit;
    o.ca_file = env_or_empty("FAST_CACHE_REDIS_TLS_CA");
    o.breaker.cooldown = 300ms;
    return std::make_shared<RedisBackend>(o);
  }
};
constexpr char redis_url_variable[] = "FAST_CACHE_REDIS_URL";
constexpr char redis_tls_url_variable[] = "FAST_CACHE_REDIS_TLS_URL";
struct redis_traits : redis_traits_of<redis_url_variable> {
  static constexpr const char* name = "redis";
};
struct redis_tls_traits : redis_traits_of<redis_tls_url_variable> {
  static constexpr const char* name = "redis_tls_acl";
};
// A 6-node Redis Cluster. Not behind the fault proxy: its nodes announce their own addresses,
// which the client then uses.
struct redis_cluster_traits {
  static constexpr const char* name = "redis_cluster";
  static constexpr bool has_server = true;
  static constexpr bool through_proxy = false;
  static constexpr std::size_t value_limit = 1 << 20;
  static bool available() { return !env_or_empty("FAST_CACHE_REDIS_CLUSTER_URL").empty(); }
  static std::shared_ptr<Backend> make(const std::string& ns, const std::string& = {}) {
    RedisOptions o = redis_options_from_url(env_or_empty("FAST_CACHE_REDIS_CLUSTER_URL"));
    o.namespace_ = ns;
    o.max_value_bytes = value_limit;
    // Generous: the cluster tests may be promoting a replica or moving a slot meanwhile, which
    // takes up to a second, and these cases check the contract, not latency.
    o.read_budget = 3000ms;
    o.write_budget = 3000ms;
    return std::make_shared<RedisBackend>(o);
  }
};

// The near-cache tier over another backend (with Redis, subscribed to its invalidations): the
// contract holds through it.
template <class Inner, const char* Name>
struct tiered_traits {
  static constexpr const char* name = Name;
  static constexpr bool has_server = Inner::has_server;
  static constexpr bool through_proxy = Inner::through_proxy;
  static constexpr std::size_t value_limit = Inner::value_limit;
  static bool available() { return Inner::available(); }
  static std::string endpoint() { return Inner::endpoint(); }
  static std::shared_ptr<Backend> make(const std::string& ns, const std::string& at = {}) {
    std::shared_ptr<Backend> l2 = at.empty() ? Inner::make(ns) : Inner::make(ns, at);
    TieredOptions options{.l2 = l2};
    if (auto* redis = dynamic_cast<RedisBackend*>(l2.get())) options.invalidations = redis->invalidations();
    return std::make_shared<TieredBackend>(std::move(options));
  }
};
constexpr char tiered_memory_name[] = "tiered_memory";
constexpr char tiered_redis_name[] = "tiered_redis";
constexpr char tiered_dynamodb_name[] = "tiered_dynamodb";
constexpr char tiered_redis_cluster_name[] = "tiered_redis_cluster";

template <class Traits>
class conformance : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Traits::available()) GTEST_SKIP() << "the backend's server is not running (scripts/services)";
    ns = test::unique_name("conf");
    backend = Traits::make(ns);
  }
  void TearDown() override {
    if (backend) backend->clear();
  }
  std::string ns;
  std::shared_ptr<Backend> backend;
};

using backends =
    ::testing::Types<memory_traits, dynamodb_traits, redis_traits, redis_tls_traits, redis_cluster_traits,
                     tiered_traits<memory_traits, tiered_memory_name>, tiered_traits<redis_traits, tiered_redis_name>,
                     tiered_traits<dynamodb_traits, tiered_dynamodb_name>,
                     tiered_traits<redis_cluster_traits, tiered_redis_cluster_name>>;
class backend_names {
 public:
  template <class T>
  static std::string GetName(int) {
    return T::name;
  }
};
TYPED_TEST_SUITE(conformance, backends, backend_names);

template <class F>
boost::system::error_code code_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  } catch (const boost::system::system_error& e) {
    return e.code();
  }
  return {};
}

// ---- sync API ----

TYPED_TEST(conformance, set_get_has_erase) {
  Backend& b = *this->backend;
  EXPECT_EQ(b.get("k"), std::nullopt);
  EXPECT_FALSE(b.has("k"));
  b.set("k", "v");
  EXPECT_EQ(b.get("k"), "v");
  EXPECT_TRUE(b.has("k"));
  b.set("k", "v2");
  EXPECT_EQ(b.get("k"), "v2");
  b.erase("k");
  b.erase("k");  // absent: not an error
  EXPECT_EQ(b.get("k"), std::nullopt);
}

TYPED_TEST(conformance, any_bytes_in_keys_and_values) {
  Backend& b = *this->backend;
  const std::string binary("\0\xff\x01 value\r\n", 11);
  const std::string long_key(2000, 'k');  // over DynamoDB's 1024-byte key: hashed, still found
  b.set(binary, binary);
  b.set(long_key, std::string(100'000, 'v'));
  EXPECT_EQ(b.get(binary), binary);
  EXPECT_EQ(b.get(long_key)->size(), 100'000u);
  b.set("empty value", "");
  EXPECT_EQ(b.get("empty value"), "");
}

TYPED_TEST(conformance, bad_input_is_a_clear_error_and_loses_nothing) {
  Backend& b = *this->backend;
  b.set("keep", "me");
  EXPECT_EQ(code_of([&] { (void)b.get(""); }), errc::invalid_argument);
  EXPECT_EQ(code_of([&] { b.set("", "v"); }), errc::invalid_argument);
  EXPECT_EQ(code_of([&] { b.set("big", std::string(TypeParam::value_limit + 1, 'x')); }), errc::value_too_large);
  EXPECT_EQ(b.get("big"), std::nullopt);
  EXPECT_EQ(b.get("keep"), "me");
}

TYPED_TEST(conformance, expiry) {
  Backend& b = *this->backend;
  b.set("short", "v", 1s);
  b.set("forever", "v", 0s);  // <= 0: never expires
  b.set("long", "v", 1h);
  EXPECT_EQ(b.get("short"), "v");
  // DynamoDB keeps expiry in whole epoch seconds: within two seconds the entry is gone.
  EXPECT_TRUE(testing::wait_for([&] { return !b.has("short"); }, 3s));
  EXPECT_EQ(b.get("short"), std::nullopt);
  EXPECT_EQ(b.get("forever"), "v");
  EXPECT_EQ(b.get("long"), "v");
}

TYPED_TEST(conformance, get_with_ttl_reports_the_time_left_when_it_knows_it) {
  Backend& b = *this->backend;
  EXPECT_EQ(b.get_with_ttl("absent").value, std::nullopt);
  b.set("hour", "v", 1h);
  b.set("forever", "w", 0s);
  const value_with_ttl hour = b.get_with_ttl("hour");
  EXPECT_EQ(hour.value, "v");
  if (hour.ttl.what == time_left::kind::known) {
    EXPECT_GT(hour.ttl.left, 59min);
    EXPECT_LE(hour.ttl.left, 1h + 1s);  // DynamoDB rounds up to a whole second
  } else {
    EXPECT_EQ(hour.ttl.what, time_left::kind::unknown);
  }
  const value_with_ttl forever = b.async_get_with_ttl("forever", asio::use_future).get();
  EXPECT_EQ(forever.value, "w");
  EXPECT_NE(forever.ttl.what, time_left::kind::known);
  EXPECT_EQ(code_of([&] { (void)b.get_with_ttl(""); }), errc::invalid_argument);
}

// ---- conditional writes: the distributed lock's building blocks ----

TYPED_TEST(conformance, set_if_absent_and_erase_if_equal) {
  Backend& b = *this->backend;
  ASSERT_TRUE(b.supports_conditional_writes());
  EXPECT_TRUE(b.set_if_absent("lock", "token-1", 1h));
  EXPECT_FALSE(b.set_if_absent("lock", "token-2", 1h));
  EXPECT_EQ(b.get("lock"), "token-1") << "a refused set_if_absent changes nothing";
  EXPECT_FALSE(b.erase_if_equal("lock", "token-2"));
  EXPECT_EQ(b.get("lock"), "token-1") << "erase_if_equal with another value keeps the entry";
  EXPECT_TRUE(b.erase_if_equal("lock", "token-1"));
  EXPECT_EQ(b.get("lock"), std::nullopt);
  EXPECT_FALSE(b.erase_if_equal("lock", "token-1")) << "nothing left to erase";
  EXPECT_TRUE(b.set_if_absent("lock", "token-3", 1h));

  const std::string binary("\0\xff\r\n", 4);
  EXPECT_TRUE(b.set_if_absent(binary, binary, 0s));  // <= 0: never expires
  EXPECT_FALSE(b.erase_if_equal(binary, std::string("\0\xff\r", 3)));
  EXPECT_TRUE(b.erase_if_equal(binary, binary));

  EXPECT_EQ(code_of([&] { (void)b.set_if_absent("", "v"); }), errc::invalid_argument);
  EXPECT_EQ(code_of([&] { (void)b.erase_if_equal("", "v"); }), errc::invalid_argument);
  EXPECT_EQ(code_of([&] { (void)b.set_if_absent("big", std::string(TypeParam::value_limit + 1, 'x')); }),
            errc::value_too_large);
  EXPECT_EQ(b.get("big"), std::nullopt);
}

TYPED_TEST(conformance, set_if_absent_takes_the_place_of_an_expired_entry) {
  Backend& b = *this->backend;
  ASSERT_TRUE(b.set_if_absent("lease", "holder-that-died", 1s));
  // DynamoDB keeps expiry in whole epoch seconds: within two seconds the entry is gone.
  EXPECT_TRUE(testing::wait_for([&] { return b.set_if_absent("lease", "next-holder", 1h); }, 3s));
  EXPECT_EQ(b.get("lease"), "next-holder");
}

TYPED_TEST(conformance, set_if_absent_has_one_winner_among_racing_clients) {
  // With a server, separate backends: separate connections, as separate processes would have.
  // The in-memory store is one process's own: its threads share it.
  constexpr int clients = 6;
  std::vector<std::shared_ptr<Backend>> backends;
  for (int i = 0; i < clients; ++i)
    backends.push_back(TypeParam::has_server ? TypeParam::make(this->ns) : this->backend);
  for (int round = 0; round < 5; ++round) {
    const std::string key = "race-" + std::to_string(round);
    std::atomic<int> winners{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i) {
      threads.emplace_back([&, i] {
        if (backends[i]->set_if_absent(key, "client-" + std::to_string(i), 1h)) ++winners;
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(winners.load(), 1) << key;
  }
}

TYPED_TEST(conformance, a_locked_cached_function_runs_once_across_clients) {
  // Two Caches, each with its own backend client (as two processes would have), one store.
  Cache caches[2];
  for (Cache& c : caches) c.init(TypeParam::has_server ? TypeParam::make(this->ns) : this->backend);
  std::atomic<int> runs{0};
  const auto slow = [&runs](int id) {
    ++runs;
    std::this_thread::sleep_for(300ms);
    return "report " + std::to_string(id);
  };
  const cached_options<std::string(int)> options{.expire = 60s, .lock = lock_options{.lease = 10s, .wait = 10s}};
  auto in_first = caches[0].cached("report", options, slow);
  auto in_second = caches[1].cached("report", options, slow);
  constexpr int callers = 6;
  std::vector<std::string> answers(callers);
  std::vector<std::thread> threads;
  for (int i = 0; i < callers; ++i)
    threads.emplace_back([&, i] { answers[i] = (i % 2 == 0 ? in_first : in_second)(1); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(runs.load(), 1);
  for (const auto& answer : answers) EXPECT_EQ(answer, "report 1");
  EXPECT_EQ(caches[0].stats().locks_taken + caches[1].stats().locks_taken, 1u);
  EXPECT_EQ(caches[0].stats().errors + caches[1].stats().errors, 0u);
}

TYPED_TEST(conformance, conditional_writes_async) {
  Backend& b = *this->backend;
  EXPECT_TRUE(b.async_set_if_absent("k", "a", 1h, asio::use_future).get());
  EXPECT_FALSE(b.async_set_if_absent("k", "b", 1h, asio::use_future).get());
  EXPECT_FALSE(b.async_erase_if_equal("k", "b", asio::use_future).get());
  EXPECT_TRUE(b.async_erase_if_equal("k", "a", asio::use_future).get());
  diagnostics diag;
  EXPECT_THROW(b.async_set_if_absent("", "v", 1h, diag, asio::use_future).get(), boost::system::system_error);
  EXPECT_THAT(diag.message, ::testing::HasSubstr("empty"));
}

TYPED_TEST(conformance, namespaces_are_isolated_and_clear_touches_one) {
  auto other = TypeParam::make(this->ns + "x");
  this->backend->set("k", "mine");
  other->set("k", "theirs");
  EXPECT_EQ(this->backend->get("k"), "mine");
  this->backend->clear();
  EXPECT_EQ(this->backend->get("k"), std::nullopt);
  EXPECT_EQ(other->get("k"), "theirs");
  other->clear();
}

TYPED_TEST(conformance, batches_answer_in_order) {
  Backend& b = *this->backend;
  const std::vector<item> items = {{"a", "1"}, {"b", "2"}, {"a", "3"}};  // a later duplicate wins
  b.set_many(items, 60s);
  const std::vector<std::string> keys = {"b", "missing", "a", "b"};
  EXPECT_EQ(b.get_many(keys), (std::vector<std::optional<std::string>>{"2", std::nullopt, "3", "2"}));
  const std::vector<std::string> gone = {"a", "missing"};
  b.erase_many(gone);
  EXPECT_EQ(b.get("a"), std::nullopt);
  EXPECT_EQ(b.get("b"), "2");
  EXPECT_EQ(b.get_many({}), (std::vector<std::optional<std::string>>{}));
}

// ---- async API ----

// Each result is awaited into a variable before it is checked: g++ 12 miscompiles co_await
// inside conditions and macro arguments (DESIGN.md).
asio::awaitable<void> every_async_op(std::shared_ptr<Backend> b) {
  co_await b->async_set("k", "v", 60s, asio::use_awaitable);
  const std::optional<std::string> got = co_await b->async_get("k", asio::use_awaitable);
  EXPECT_EQ(got, "v");
  const bool had = co_await b->async_has("k", asio::use_awaitable);
  EXPECT_TRUE(had);
  // Named vectors, not braced lists: g++ 12 cannot put an initializer_list's array in a frame.
  std::vector<item> items = {{"x", "1"}, {"y", "2"}};
  std::vector<std::string> keys = {"x", "nope", "y"}, erased = {"x"};
  co_await b->async_set_many(std::move(items), std::nullopt, asio::use_awaitable);
  const auto values = co_await b->async_get_many(std::move(keys), asio::use_awaitable);
  EXPECT_EQ(values, (std::vector<std::optional<std::string>>{"1", std::nullopt, "2"}));
  co_await b->async_erase_many(std::move(erased), asio::use_awaitable);
  co_await b->async_erase("k", asio::use_awaitable);
  const bool erased_has = co_await b->async_has("k", asio::use_awaitable);
  EXPECT_FALSE(erased_has);
  co_await b->async_clear(asio::use_awaitable);
  const bool cleared_has = co_await b->async_has("y", asio::use_awaitable);
  EXPECT_FALSE(cleared_has);
  // Failures as error codes, with the diagnosis beside them.
  diagnostics diag;
  const auto failed = co_await b->async_get("", diag, asio::as_tuple(asio::use_awaitable));
  EXPECT_EQ(std::get<0>(failed), errc::invalid_argument);
  EXPECT_FALSE(diag.message.empty());
}

TYPED_TEST(conformance, async_with_coroutines) {
  asio::io_context ioc;
  auto done = asio::co_spawn(ioc, every_async_op(this->backend), asio::use_future);
  ioc.run();
  done.get();
}

TYPED_TEST(conformance, async_with_futures_and_callbacks_never_inline) {
  Backend& b = *this->backend;
  b.async_set("k", "v", asio::use_future).get();
  EXPECT_EQ(b.async_get("k", asio::use_future).get(), "v");
  EXPECT_THROW(b.async_get("", asio::use_future).get(), boost::system::system_error);

  asio::io_context ioc;
  bool returned = false, ran = false;
  b.async_has("k", asio::bind_executor(ioc, [&](boost::system::error_code ec, bool found) {
                EXPECT_FALSE(ec);
                EXPECT_TRUE(found);
                EXPECT_TRUE(returned) << "the completion ran inside the initiating call";
                ran = true;
              }));
  returned = true;
  ioc.run();
  EXPECT_TRUE(ran);
}

TYPED_TEST(conformance, a_cancelled_call_completes_and_the_backend_stays_usable) {
  Backend& b = *this->backend;
  b.set("k", "v");
  asio::io_context ioc;
  asio::cancellation_signal signal;
  boost::system::error_code ec;
  std::optional<std::string> value;
  b.async_get("k", asio::bind_cancellation_slot(signal.slot(), asio::bind_executor(ioc, [&](auto e, auto v) {
                                                  ec = e;
                                                  value = std::move(v);
                                                })));
  signal.emit(asio::cancellation_type::terminal);
  ioc.run();
  // Either the cancellation came first or the answer did; both are a completed call.
  EXPECT_TRUE(ec == asio::error::operation_aborted || (!ec && value == "v")) << ec.message();
  EXPECT_EQ(b.get("k"), "v");
  EXPECT_EQ(b.async_get("k", asio::use_future).get(), "v");
}

TYPED_TEST(conformance, close_fails_later_calls) {
  Backend& b = *this->backend;
  b.set("k", "v");
  b.close();
  b.close();  // idempotent
  EXPECT_EQ(code_of([&] { (void)b.get("k"); }), errc::closed);
  EXPECT_EQ(code_of([&] { b.async_set("k", "v", asio::use_future).get(); }), errc::closed);
  this->backend.reset();  // nothing left to clear
}

// ---- budgets and breaker: backends with a server, behind the fault proxy ----

constexpr auto slack = 400ms;  // what a loaded 2-core machine may add

TYPED_TEST(conformance, a_stalled_server_costs_at_most_the_budget) {
  if constexpr (!TypeParam::through_proxy) {
    GTEST_SKIP() << "no server to stall behind the proxy";
  } else {
    fault_proxy proxy(TypeParam::endpoint());
    auto b = TypeParam::make(this->ns + "p", proxy.endpoint_url());
    b->set("k", "v");
    proxy.set_mode(fault_mode::stall());
    auto start = clock_type::now();
    EXPECT_EQ(code_of([&] { (void)b->get("k"); }), errc::timeout);
    EXPECT_LT(clock_type::now() - start, 200ms + slack);
    start = clock_type::now();
    EXPECT_EQ(code_of([&] { b->async_set("k", "v2", asio::use_future).get(); }), errc::timeout);
    EXPECT_LT(clock_type::now() - start, 400ms + slack);
    EXPECT_GE(b->stats().timeouts, 2u);
    proxy.set_mode(fault_mode::pass());
    EXPECT_TRUE(test::set_succeeds_within(*b, "k", "v3"));
    b->clear();
  }
}

TYPED_TEST(conformance, a_dead_server_opens_the_breaker_and_recovery_closes_it) {
  if constexpr (!TypeParam::through_proxy) {
    GTEST_SKIP() << "no server to lose behind the proxy";
  } else {
    fault_proxy proxy(TypeParam::endpoint());
    auto b = TypeParam::make(this->ns + "d", proxy.endpoint_url());
    proxy.set_mode(fault_mode::refuse());
    for (int i = 0; i < 5; ++i) EXPECT_EQ(code_of([&] { (void)b->get("k"); }), errc::unavailable);
    EXPECT_EQ(b->stats().breaker_state, "open");
    const auto start = clock_type::now();
    EXPECT_EQ(code_of([&] { (void)b->get("k"); }), errc::unavailable);
    EXPECT_LT(clock_type::now() - start, 50ms) << "an open breaker fails at once";
    EXPECT_GE(b->stats().breaker_rejections, 1u);
    proxy.set_mode(fault_mode::pass());
    EXPECT_TRUE(test::set_succeeds_within(*b, "k", "back"));
    EXPECT_EQ(b->stats().breaker_state, "closed");
    b->clear();
  }
}

}  // namespace
}  // namespace fast_cache
