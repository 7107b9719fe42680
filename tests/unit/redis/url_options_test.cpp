#include <fast_cache/backend_factory.hpp>
#include <fast_cache/error.hpp>
#include <fast_cache/redis_backend.hpp>

#include <gtest/gtest.h>

namespace fast_cache {
namespace {

using namespace std::chrono_literals;

TEST(RedisUrl, Defaults) {
  const RedisOptions o = redis_options_from_url("redis://localhost");
  EXPECT_EQ(o.host, "localhost");
  EXPECT_EQ(o.port, 6379);
  EXPECT_EQ(o.db, 0U);
  EXPECT_FALSE(o.tls);
  EXPECT_TRUE(o.password.empty());
  EXPECT_EQ(o.namespace_, "cache");
}

TEST(RedisUrl, EveryPart) {
  const RedisOptions o = redis_options_from_url(
      "rediss://app:s%40cret@cache.internal:6380/3?namespace=ns&default_expire=60&read_budget_ms=50&write_budget_ms=70"
      "&admin_budget_ms=9000&connect_timeout_ms=300&connections=4&max_value_bytes=1024&client_name=web"
      "&verify_tls=false&ca_file=/etc/ca.pem&breaker=false&breaker_threshold=3&breaker_cooldown_ms=500");
  EXPECT_TRUE(o.tls);
  EXPECT_EQ(o.username, "app");
  EXPECT_EQ(o.password, "s@cret");
  EXPECT_EQ(o.host, "cache.internal");
  EXPECT_EQ(o.port, 6380);
  EXPECT_EQ(o.db, 3U);
  EXPECT_EQ(o.namespace_, "ns");
  EXPECT_EQ(o.default_expire, 60s);
  EXPECT_EQ(o.read_budget, 50ms);
  EXPECT_EQ(o.write_budget, 70ms);
  EXPECT_EQ(o.admin_budget, 9000ms);
  EXPECT_EQ(o.connect_timeout, 300ms);
  EXPECT_EQ(o.connections, 4U);
  EXPECT_EQ(o.max_value_bytes, 1024U);
  EXPECT_EQ(o.client_name, "web");
  EXPECT_FALSE(o.verify_tls);
  EXPECT_EQ(o.ca_file, "/etc/ca.pem");
  EXPECT_FALSE(o.breaker.enabled);
  EXPECT_EQ(o.breaker.failure_threshold, 3);
  EXPECT_EQ(o.breaker.cooldown, 500ms);
}

TEST(RedisUrl, PasswordOnlyIsTheDefaultUsers) {
  EXPECT_EQ(redis_options_from_url("redis://:pw@h").password, "pw");
  EXPECT_TRUE(redis_options_from_url("redis://:pw@h").username.empty());
  EXPECT_EQ(redis_options_from_url("redis://pw@h").password, "pw");
}

TEST(RedisUrl, BadInputIsRefusedWithoutQuotingSecrets) {
  for (const char* url : {"redis://", "redis://h:0", "redis://h:70000", "redis://h:port", "redis://h/db",
                          "redis://h/-1", "redis://h?nope=1", "redis://h?connections=x", "redis://h?read_budget_ms=-5",
                          "redis://h?breaker_threshold=0", "redis://user:hunter2@h/x", "redis://user:hunter2@h?x=1"}) {
    try {
      (void)redis_options_from_url(url);
      ADD_FAILURE() << url;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), errc::invalid_argument) << url;
      EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
    }
  }
}

TEST(RedisUrl, OptionsAreChecked) {
  for (const auto& change :
       {+[](RedisOptions& o) { o.host.clear(); }, +[](RedisOptions& o) { o.port = 0; },
        +[](RedisOptions& o) { o.namespace_.clear(); }, +[](RedisOptions& o) { o.connections = 0; },
        +[](RedisOptions& o) { o.read_budget = 0ms; }, +[](RedisOptions& o) { o.username = "u"; }}) {
    RedisOptions o;
    change(o);
    try {
      RedisBackend b(o);
      ADD_FAILURE();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), errc::invalid_argument) << e.what();
    }
  }
}

TEST(RedisUrl, TheFactoryBuildsRedisWithoutConnecting) {
  // Connections are made on the first call: nothing listens here, and construction succeeds.
  const auto backend = make_backend("redis://127.0.0.1:1?namespace=n&read_budget_ms=100");
  EXPECT_EQ(backend->namespace_name(), "n");
  try {
    (void)backend->get("k");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::unavailable) << e.what();
  }
  EXPECT_EQ(backend->stats().unavailable, 1U);
}

}  // namespace
}  // namespace fast_cache
