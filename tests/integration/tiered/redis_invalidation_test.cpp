// TieredBackend over Redis across processes: another process's writes, erases and clears reach
// this process's L1 through pub/sub within a generous bound, far below max_staleness; and when the
// subscription is cut (the fault proxy drops or stalls the link), L1 serves nothing that may have
// been invalidated meanwhile beyond the bound, and takes over again once resubscribed.
#include "support/fault_proxy.hpp"
#include "support/wait_for.hpp"

#include <fast_cache/backend_factory.hpp>
#include <fast_cache/redis_backend.hpp>
#include <fast_cache/tiered_backend.hpp>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

namespace fast_cache {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

std::string unique_ns() { return "tier" + std::to_string(std::random_device{}()); }

std::string encoded(const std::string& url) { return boost::urls::encode(url, boost::urls::unreserved_chars); }

// Long enough that only an invalidation can explain a change seen within the tests' bounds.
constexpr auto staleness = 60s;
// Message delay on a loaded 2-core machine, generously.
constexpr auto message_bound = 2s;

class tiered_redis : public ::testing::Test {
 protected:
  void SetUp() override {
    url = env_or_empty("FAST_CACHE_REDIS_URL");
    if (url.empty()) GTEST_SKIP() << "Redis is not running (scripts/services)";
    ns = unique_ns();
  }

  // A tier of this process over Redis at `redis_url` (FAST_CACHE_REDIS_URL's server, or a proxy).
  std::shared_ptr<TieredBackend> tier_at(const std::string& redis_url) {
    RedisOptions o = redis_options_from_url(redis_url);
    o.namespace_ = ns;
    o.ca_file = env_or_empty("FAST_CACHE_REDIS_TLS_CA");
    if (!o.cluster_nodes.empty()) o.read_budget = o.write_budget = 3s;  // it may be settling after a failover test
    auto redis = std::make_shared<RedisBackend>(o);
    return std::make_shared<TieredBackend>(
        TieredOptions{.l2 = redis, .max_staleness = staleness, .invalidations = redis->invalidations()});
  }

  // Another process's change, through its own tier.
  void peer(const std::string& args) {
    const std::string tiered_url = "tiered://?l2=" + encoded(url + "?namespace=" + ns) + "&max_staleness_ms=60000";
    const std::string command = std::string(TIERED_PEER) + " '" + tiered_url + "' " + args;
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }

  // Waits until `tier` serves key from L1: its subscription is in place.
  static bool serves_from_l1(TieredBackend& tier, const std::string& key) {
    return testing::wait_for(
        [&] {
          const auto before = tier.stats().l1_hits;
          (void)tier.get(key);
          return tier.get(key).has_value() && tier.stats().l1_hits > before;
        },
        10s);
  }

  // How long until tier's answer for key is `expected`. A read that fails is not the answer yet:
  // when a proxy cuts every connection, the first read on the old data connection fails.
  static clock_type::duration time_until(TieredBackend& tier, const std::string& key,
                                         const std::optional<std::string>& expected) {
    const auto start = clock_type::now();
    EXPECT_TRUE(testing::wait_for(
        [&] {
          try {
            return tier.get(key) == expected;
          } catch (const Error&) {
            return false;
          }
        },
        20s));
    return clock_type::now() - start;
  }

  std::string url;
  std::string ns;
};

TEST_F(tiered_redis, another_process_s_changes_reach_l1_within_the_message_delay) {
  auto tier = tier_at(url);
  peer("set k old");
  peer("set other x");
  ASSERT_TRUE(serves_from_l1(*tier, "k"));
  ASSERT_EQ(tier->get("other"), "x");

  peer("set k new");
  EXPECT_LT(time_until(*tier, "k", "new"), message_bound);
  EXPECT_GE(tier->stats().invalidations_received, 1u);

  ASSERT_TRUE(serves_from_l1(*tier, "k"));
  peer("erase k");
  EXPECT_LT(time_until(*tier, "k", std::nullopt), message_bound);

  ASSERT_TRUE(serves_from_l1(*tier, "other"));
  peer("clear");
  EXPECT_LT(time_until(*tier, "other", std::nullopt), message_bound);
}

TEST_F(tiered_redis, invalidations_cross_over_tls_and_a_cluster) {
  for (const char* variable : {"FAST_CACHE_REDIS_TLS_URL", "FAST_CACHE_REDIS_CLUSTER_URL"}) {
    const std::string at = env_or_empty(variable);
    if (at.empty()) continue;
    SCOPED_TRACE(variable);
    auto reader = tier_at(at);
    auto writer = tier_at(at);
    writer->set("k", "old", 1h);
    ASSERT_TRUE(serves_from_l1(*reader, "k"));
    writer->set("k", "new", 1h);
    EXPECT_LT(time_until(*reader, "k", "new"), message_bound);
    writer->clear();
  }
}

TEST_F(tiered_redis, a_cut_subscription_stops_l1_until_it_is_back) {
  test::fault_proxy proxy("http://" + url.substr(url.find("://") + 3));
  auto reader = tier_at("redis://127.0.0.1:" + std::to_string(proxy.port()));
  auto writer = tier_at(url);
  writer->set("k", "old", 1h);
  ASSERT_TRUE(serves_from_l1(*reader, "k"));

  proxy.close_all_connections();  // the subscription goes: messages from now on are lost to reader
  writer->set("k", "new", 1h);
  EXPECT_LT(time_until(*reader, "k", "new"), message_bound);

  // Resubscribed: L1 serves again, and hears of changes again.
  ASSERT_TRUE(serves_from_l1(*reader, "k"));
  writer->set("k", "newer", 1h);
  EXPECT_LT(time_until(*reader, "k", "newer"), message_bound);
}

TEST_F(tiered_redis, a_stalled_subscription_is_found_by_its_heartbeat) {
  test::fault_proxy proxy("http://" + url.substr(url.find("://") + 3));
  auto reader = tier_at("redis://127.0.0.1:" + std::to_string(proxy.port()));
  auto writer = tier_at(url);
  writer->set("k", "old", 1h);
  ASSERT_TRUE(serves_from_l1(*reader, "k"));

  proxy.set_mode(test::fault_mode::stall());  // the link looks open, and nothing comes through
  writer->set("k", "new", 1h);
  const auto start = clock_type::now();
  // Reads from L2 time out through the stalled proxy: an error is not a stale value.
  const bool stopped_serving_old = testing::wait_for(
      [&] {
        try {
          return reader->get("k") != "old";
        } catch (const Error&) {
          return true;
        }
      },
      20s);
  EXPECT_TRUE(stopped_serving_old);
  // The heartbeat (1 s) and its reply timeout (1 s), with room for a loaded machine.
  EXPECT_LT(clock_type::now() - start, 2s + message_bound);

  proxy.set_mode(test::fault_mode::pass());
  EXPECT_LT(time_until(*reader, "k", "new"), 10s);
  ASSERT_TRUE(serves_from_l1(*reader, "k"));
}

}  // namespace
}  // namespace fast_cache
