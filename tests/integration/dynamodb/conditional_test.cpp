// Conditional writes (set_if_absent, erase_if_equal), the building blocks of the stampede lock:
// against DynamoDB Local, and against scripted answers for what a failed condition must not do.
#include "dynamodb/protocol.hpp"
#include "integration/dynamodb/fixture.hpp"
#include "integration/dynamodb/scripted_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace fast_cache {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using namespace std::string_literals;
using test::local_options;
using test::shared_table;
using test::unique_name;

class dynamodb_conditional : public ::testing::Test {
 protected:
  void SetUp() override {
    FAST_CACHE_REQUIRE_DYNAMODB();
    backend.emplace(local_options(shared_table, unique_name("cond")));
  }
  // The item as stored, read past the backend (expired items included).
  std::optional<dynamodb::stored_item> stored(const std::string& key) {
    test::raw_dynamodb raw;
    return dynamodb::parse_get_item(
        raw.call("GetItem",
                 dynamodb::get_item_request(shared_table, dynamodb::cache_key(backend->namespace_name(), key), true)));
  }
  std::optional<DynamoDBBackend> backend;
};

TEST_F(dynamodb_conditional, set_if_absent_stores_only_over_no_live_entry) {
  EXPECT_TRUE(backend->supports_conditional_writes());
  EXPECT_TRUE(backend->set_if_absent("k", "first", 60s));
  EXPECT_EQ(backend->get("k"), "first");
  EXPECT_FALSE(backend->set_if_absent("k", "second", 60s));
  EXPECT_EQ(backend->get("k"), "first");
  // An entry made by set counts as well, and one that never expires stays taken.
  backend->set("forever", "v", 0s);
  EXPECT_FALSE(backend->set_if_absent("forever", "other"));
  EXPECT_EQ(backend->get("forever"), "v");
  const auto s = backend->stats();
  EXPECT_EQ(s.errors, 0u);
  EXPECT_EQ(s.breaker_state, "closed");
}

TEST_F(dynamodb_conditional, set_if_absent_takes_an_expired_entry) {
  EXPECT_TRUE(backend->set_if_absent("k", "old", 1s));
  EXPECT_FALSE(backend->set_if_absent("k", "new", 1s));
  std::this_thread::sleep_for(2100ms);  // 1 s rounded up to a whole second, and past it
  ASSERT_TRUE(stored("k"));             // DynamoDB has not deleted it yet
  EXPECT_TRUE(backend->set_if_absent("k", "new", 60s));
  EXPECT_EQ(backend->get("k"), "new");

  // An item long expired but still in the table, written by another client.
  test::raw_dynamodb raw;
  const auto past =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() -
      10;
  raw.call("PutItem", dynamodb::put_item_request(shared_table, {backend->namespace_name() + ":stale", "old"s, past}));
  EXPECT_TRUE(backend->set_if_absent("stale", "fresh"));
  EXPECT_EQ(backend->get("stale"), "fresh");
}

TEST_F(dynamodb_conditional, a_sub_second_lease_is_free_as_soon_as_get_misses_it) {
  ASSERT_TRUE(backend->set_if_absent("lease", "holder", 300ms));
  EXPECT_FALSE(backend->set_if_absent("lease", "other", 300ms));
  const auto start = std::chrono::steady_clock::now();
  bool taken = false;
  while (!taken && std::chrono::steady_clock::now() - start < 5s) {
    if (backend->get("lease")) {
      std::this_thread::sleep_for(20ms);
      continue;
    }
    // Whatever get misses, set_if_absent may take: the two judge expiry alike.
    taken = backend->set_if_absent("lease", "next", 300ms);
    ASSERT_TRUE(taken) << "get missed the lease, but set_if_absent still found it live";
  }
  EXPECT_TRUE(taken);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);  // 300 ms, rounded up to under a second more
}

TEST_F(dynamodb_conditional, expiry_as_in_set) {
  auto o = local_options(shared_table, unique_name("cond_default"));
  o.default_expire = 60s;
  DynamoDBBackend b(o);
  const auto now_s =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  test::raw_dynamodb raw;
  const auto ttl_of = [&](const std::string& key) {
    const auto item = dynamodb::parse_get_item(raw.call(
        "GetItem", dynamodb::get_item_request(shared_table, dynamodb::cache_key(b.namespace_name(), key), true)));
    EXPECT_TRUE(item) << key;
    return item ? item->ttl : std::nullopt;
  };
  ASSERT_TRUE(b.set_if_absent("default", "v"));
  const auto ttl = ttl_of("default");
  ASSERT_TRUE(ttl);
  EXPECT_GE(*ttl, now_s + 60);
  EXPECT_LE(*ttl, now_s + 62);
  ASSERT_TRUE(b.set_if_absent("zero", "v", 0s));
  EXPECT_EQ(ttl_of("zero"), std::nullopt);
  ASSERT_TRUE(b.set_if_absent("negative", "v", -5s));
  EXPECT_EQ(ttl_of("negative"), std::nullopt);
  b.clear();
}

TEST_F(dynamodb_conditional, erase_if_equal_removes_only_the_matching_value) {
  std::string token;
  for (int i = 0; i < 256; ++i) token.push_back(static_cast<char>(i));
  backend->set("k", token, 60s);
  EXPECT_FALSE(backend->erase_if_equal("k", token.substr(1)));
  EXPECT_FALSE(backend->erase_if_equal("k", ""));
  EXPECT_EQ(backend->get("k"), token);
  EXPECT_TRUE(backend->erase_if_equal("k", token));
  EXPECT_EQ(backend->get("k"), std::nullopt);
  EXPECT_FALSE(backend->erase_if_equal("k", token));  // already gone
  EXPECT_FALSE(backend->erase_if_equal("never-set", "x"));
  backend->set("empty", "");
  EXPECT_TRUE(backend->erase_if_equal("empty", ""));
  EXPECT_FALSE(backend->has("empty"));
  EXPECT_EQ(backend->stats().errors, 0u);
}

TEST_F(dynamodb_conditional, keys_map_as_in_set) {
  const std::string keys[] = {std::string(1025, 'k'), "hash:not-a-digest", "\xff\xfe not utf-8", "nul\0key"s};
  for (const auto& k : keys) {
    backend->set(k, "by set");
    EXPECT_FALSE(backend->set_if_absent(k, "by set_if_absent"));
    EXPECT_FALSE(backend->erase_if_equal(k, "by set_if_absent"));
    EXPECT_TRUE(backend->erase_if_equal(k, "by set"));
    EXPECT_FALSE(backend->has(k));
    EXPECT_TRUE(backend->set_if_absent(k, "by set_if_absent"));
    EXPECT_EQ(backend->get(k), "by set_if_absent");
  }
}

template <class F>
void expect_error(F f, errc code) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
  }
}

TEST_F(dynamodb_conditional, bad_input) {
  expect_error([&] { backend->set_if_absent("", "v"); }, errc::invalid_argument);
  expect_error([&] { backend->erase_if_equal("", "v"); }, errc::invalid_argument);
  const std::string big(400 * 1024, 'x');
  expect_error([&] { backend->set_if_absent("big", big); }, errc::value_too_large);
  expect_error([&] { backend->erase_if_equal("big", big); }, errc::value_too_large);
  EXPECT_FALSE(backend->has("big"));
  const std::string fits(399 * 1024, 'x');
  EXPECT_TRUE(backend->set_if_absent("big", fits, 60s));
  EXPECT_TRUE(backend->erase_if_equal("big", fits));
}

// Named coroutines with by-value parameters (GCC PR 100611); awaited results go into variables.
asio::awaitable<void> conditional_ops(DynamoDBBackend& b) {
  const bool stored = co_await b.async_set_if_absent("k", "v1", std::nullopt, asio::use_awaitable);
  EXPECT_TRUE(stored);
  const bool again = co_await b.async_set_if_absent("k", "v2", std::chrono::milliseconds(60000), asio::use_awaitable);
  EXPECT_FALSE(again);
  const auto value = co_await b.async_get("k", asio::use_awaitable);
  EXPECT_EQ(value, "v1");
  const bool wrong = co_await b.async_erase_if_equal("k", "v2", asio::use_awaitable);
  EXPECT_FALSE(wrong);
  const bool kept = co_await b.async_has("k", asio::use_awaitable);
  EXPECT_TRUE(kept);
  diagnostics diag;
  const bool right = co_await b.async_erase_if_equal("k", "v1", diag, asio::use_awaitable);
  EXPECT_TRUE(right);
  const bool gone = co_await b.async_has("k", asio::use_awaitable);
  EXPECT_FALSE(gone);
  auto [ec, result] = co_await b.async_set_if_absent("", "v", std::nullopt, asio::as_tuple(asio::use_awaitable));
  EXPECT_TRUE(ec == errc::invalid_argument) << ec.message();
  EXPECT_FALSE(result);
  auto [ec2, result2] =
      co_await b.async_erase_if_equal("k", std::string(400 * 1024, 'x'), diag, asio::as_tuple(asio::use_awaitable));
  EXPECT_TRUE(ec2 == errc::value_too_large) << ec2.message();
  EXPECT_FALSE(result2);
  EXPECT_NE(diag.message.find("400 KB"), std::string::npos) << diag.message;
}

TEST_F(dynamodb_conditional, async_with_use_awaitable) {
  asio::io_context ioc;
  auto done = asio::co_spawn(ioc, conditional_ops(*backend), asio::use_future);
  ioc.run();
  done.get();
}

TEST_F(dynamodb_conditional, async_with_use_future) {
  EXPECT_TRUE(backend->async_set_if_absent("k", "v1", 60s, asio::use_future).get());
  EXPECT_FALSE(backend->async_set_if_absent("k", "v2", 60s, asio::use_future).get());
  EXPECT_EQ(backend->get("k"), "v1");
  EXPECT_FALSE(backend->async_erase_if_equal("k", "v2", asio::use_future).get());
  EXPECT_TRUE(backend->async_erase_if_equal("k", "v1", asio::use_future).get());
  EXPECT_FALSE(backend->has("k"));
  EXPECT_THROW(backend->async_set_if_absent("", "v", std::nullopt, asio::use_future).get(),
               boost::system::system_error);
  EXPECT_EQ(backend->stats().errors, 1u);  // only the empty key
}

TEST_F(dynamodb_conditional, eight_backends_race_for_one_key_and_one_wins) {
  constexpr int contenders = 8;
  const std::string ns = unique_name("race");
  std::vector<std::unique_ptr<DynamoDBBackend>> backends;
  for (int i = 0; i < contenders; ++i)
    backends.push_back(std::make_unique<DynamoDBBackend>(local_options(shared_table, ns)));
  for (int round = 0; round < 5; ++round) {
    const std::string key = "lock" + std::to_string(round);
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<int> won(contenders, 0);
    std::vector<std::thread> threads;
    for (int i = 0; i < contenders; ++i)
      threads.emplace_back([&, i] {
        ++ready;
        while (!go) std::this_thread::yield();
        won[static_cast<std::size_t>(i)] =
            backends[static_cast<std::size_t>(i)]->set_if_absent(key, "token" + std::to_string(i), 30s) ? 1 : 0;
      });
    while (ready < contenders) std::this_thread::yield();
    go = true;
    for (auto& t : threads) t.join();
    ASSERT_EQ(std::count(won.begin(), won.end(), 1), 1) << "round " << round;
    const auto winner = std::find(won.begin(), won.end(), 1) - won.begin();
    EXPECT_EQ(backends[0]->get(key), "token" + std::to_string(winner));
    // Only the winner's token releases it.
    for (int i = 0; i < contenders; ++i) {
      if (i != winner) {
        EXPECT_FALSE(backends[static_cast<std::size_t>(i)]->erase_if_equal(key, "token" + std::to_string(i)));
      }
    }
    EXPECT_TRUE(backends[static_cast<std::size_t>(winner)]->erase_if_equal(key, "token" + std::to_string(winner)));
  }
  for (const auto& b : backends) EXPECT_EQ(b->stats().errors, 0u);
}

// ---- scripted answers ----

// Answers DescribeTable itself and every other operation with a failed condition, keeping the bodies.
struct condition_always_fails {
  std::mutex mutex;
  std::vector<std::pair<std::string, json::value>> requests;
  test::scripted_response operator()(const std::string& head, const std::string& body) {
    const std::string op = test::operation_of(head);
    if (op == "DescribeTable") return test::active_cache_table();
    std::lock_guard lock(mutex);
    requests.emplace_back(op, json::parse(body));
    return {400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",)"
                 R"("message":"The conditional request failed"})"};
  }
};

TEST(dynamodb_conditional_scripted, a_failed_condition_is_false_not_retried_and_no_failure) {
  condition_always_fails script;
  test::scripted_server server(std::ref(script));
  auto o = local_options("scripted_table", "ns", server.endpoint());
  o.create_table = false;
  o.retry_base = 1ms;
  o.breaker.failure_threshold = 2;
  DynamoDBBackend b(o);
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(b.set_if_absent("k", "v", 300ms));
    EXPECT_FALSE(b.erase_if_equal("k", "v"));
    EXPECT_FALSE(b.async_set_if_absent("k", "v", std::nullopt, asio::use_future).get());
    diagnostics diag;
    EXPECT_FALSE(b.async_erase_if_equal("k", "v", diag, asio::use_future).get());
  }
  ASSERT_EQ(script.requests.size(), 20u);  // one request per call: never retried
  const auto s = b.stats();
  EXPECT_EQ(s.calls, 20u);
  EXPECT_EQ(s.errors, 0u);
  EXPECT_EQ(s.retries, 0u);
  EXPECT_EQ(s.breaker_opens, 0u);
  EXPECT_EQ(s.breaker_state, "closed");

  const auto& [put_op, put] = script.requests[0];
  EXPECT_EQ(put_op, "PutItem");
  EXPECT_EQ(put.at("ConditionExpression").as_string(), "attribute_not_exists(#k) OR #t < :now");
  EXPECT_EQ(put.at("Item").at("cache_key").at("S").as_string(), "ns:k");
  const auto& [delete_op, del] = script.requests[1];
  EXPECT_EQ(delete_op, "DeleteItem");
  EXPECT_EQ(del.at("ConditionExpression").as_string(), "#v = :v");
  EXPECT_EQ(del.at("ExpressionAttributeValues").at(":v").at("B").as_string(), "dg==");
}

TEST(dynamodb_conditional_scripted, other_errors_still_fail) {
  int calls = 0;
  test::scripted_server server([&](const std::string& head, const std::string&) -> test::scripted_response {
    if (test::operation_of(head) == "DescribeTable") return test::active_cache_table();
    ++calls;
    if (calls <= 2) return {500, R"({"__type":"InternalServerError","message":"boom"})"};
    return {400, R"({"__type":"com.amazon.coral.validate#ValidationException","message":"bad"})"};
  });
  auto o = local_options("scripted_table", "ns", server.endpoint());
  o.create_table = false;
  o.retry_base = 1ms;
  DynamoDBBackend b(o);
  try {
    b.set_if_absent("k", "v");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::rejected);
    EXPECT_EQ(e.diag().server_code, "ValidationException");
  }
  EXPECT_EQ(calls, 3);  // the 5xx answers were retried, as for set
  EXPECT_EQ(b.stats().errors, 1u);
}

}  // namespace
}  // namespace fast_cache
