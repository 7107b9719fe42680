// Expiry: lazy on read, default and per-call lifetimes, and the periodic sweep inside writes.
#include <fast_cache/memory_backend.hpp>

#include "manual_clock.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace fast_cache {
namespace {

using namespace std::chrono_literals;
using test::manual_clock;

TEST(MemoryExpiry, DefaultExpireAppliesWhenNoPerCallExpiry) {
  manual_clock clock;
  InMemoryBackend cache({.default_expire = 10s, .clock = clock.function()});
  cache.set("k", "v");
  clock.advance(9s);
  EXPECT_EQ(cache.get("k"), "v");
  EXPECT_TRUE(cache.has("k"));
  clock.advance(1s);
  EXPECT_EQ(cache.get("k"), std::nullopt);
  EXPECT_FALSE(cache.has("k"));
}

TEST(MemoryExpiry, ReadingAnExpiredEntryRemovesIt) {
  manual_clock clock;
  InMemoryBackend cache({.clock = clock.function()});
  cache.set("a", "v", 1s);
  cache.set("b", "v", 1s);
  clock.advance(2s);
  EXPECT_EQ(cache.size(), 2u);  // nobody has looked yet
  EXPECT_EQ(cache.get("a"), std::nullopt);
  EXPECT_FALSE(cache.has("b"));
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(MemoryExpiry, PerCallExpiryOverridesDefault) {
  manual_clock clock;
  InMemoryBackend cache({.default_expire = 10s, .clock = clock.function()});
  cache.set("short", "v", 1s);
  cache.set("long", "v", 1h);
  clock.advance(2s);
  EXPECT_EQ(cache.get("short"), std::nullopt);
  clock.advance(30s);
  EXPECT_EQ(cache.get("long"), "v");
}

TEST(MemoryExpiry, ZeroOrNegativeExpiryNeverExpires) {
  manual_clock clock;
  InMemoryBackend cache({.default_expire = 10s, .clock = clock.function()});
  cache.set("zero", "v", 0s);
  cache.set("negative", "v", -5s);
  clock.advance(24h * 1000);
  EXPECT_EQ(cache.get("zero"), "v");
  EXPECT_EQ(cache.get("negative"), "v");
}

TEST(MemoryExpiry, NoDefaultMeansNeverExpires) {
  manual_clock clock;
  InMemoryBackend cache({.clock = clock.function()});
  cache.set("k", "v");
  clock.advance(24h * 1000);
  EXPECT_EQ(cache.get("k"), "v");
}

TEST(MemoryExpiry, HugeExpiryDoesNotOverflow) {
  manual_clock clock;
  InMemoryBackend cache({.clock = clock.function()});
  cache.set("k", "v", duration::max());
  clock.advance(24h * 365 * 100);
  EXPECT_EQ(cache.get("k"), "v");
}

TEST(MemoryExpiry, OverwriteResetsLifetime) {
  manual_clock clock;
  InMemoryBackend cache({.clock = clock.function()});
  cache.set("k", "v1", 2s);
  clock.advance(1s);
  cache.set("k", "v2");  // no expiry now
  clock.advance(10s);
  EXPECT_EQ(cache.get("k"), "v2");
}

TEST(MemoryExpiry, ClockIsNotReadWithoutExpiringEntries) {
  manual_clock clock;
  InMemoryBackend cache({.clock = clock.function()});
  const auto before = clock.reads();
  cache.set("k", "v");
  EXPECT_EQ(cache.get("k"), "v");
  EXPECT_TRUE(cache.has("k"));
  EXPECT_EQ(clock.reads(), before);
  cache.set("e", "v", 1s);
  EXPECT_GT(clock.reads(), before);
}

TEST(MemoryExpiry, ClockIsReadOncePerOperation) {
  manual_clock clock;
  InMemoryBackend cache({.clock = clock.function()});
  const std::vector<std::string> keys = {"a", "b", "c"};
  for (const auto& key : keys) cache.set(key, "v", 1s);
  const auto before = clock.reads();
  const auto values = cache.get_many(keys);  // three expiring entries checked, one time
  EXPECT_EQ(values, std::vector<std::optional<std::string>>(3, "v"));
  EXPECT_EQ(clock.reads(), before + 1);
}

TEST(MemoryExpiry, SweepFreesExpiredEntriesOnlyOnceDue) {
  manual_clock clock;
  InMemoryBackend cache({.max_size = 0, .shards = 1, .sweep_interval = 10s, .clock = clock.function()});
  constexpr int expiring = 1000;
  for (int i = 0; i < expiring; ++i) cache.set("e" + std::to_string(i), "value", 1s);
  clock.advance(2s);
  for (int i = 0; i < 100; ++i) cache.set("live", "value");
  EXPECT_EQ(cache.size(), expiring + 1u) << "swept before sweep_interval passed";

  clock.advance(10s);
  cache.set("live", "value");
  const auto after_one_write = cache.size();
  EXPECT_LT(after_one_write, expiring + 1u) << "a due sweep frees entries";
  EXPECT_GT(after_one_write, 1u) << "one write does bounded sweep work";
  for (int i = 0; i < 1000 && cache.size() > 1; ++i) cache.set("live", "value");
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.bytes(), InMemoryBackend::entry_charge(4, 5));
  EXPECT_EQ(cache.get("live"), "value");
}

TEST(MemorySweep, LiveEntriesSurviveSweeps) {
  manual_clock clock;
  InMemoryBackend cache({.max_size = 0, .shards = 2, .sweep_interval = 0s, .clock = clock.function()});
  for (int i = 0; i < 200; ++i) cache.set("live" + std::to_string(i), "v", i % 2 == 0 ? 1h : 1s);
  clock.advance(2s);
  for (int i = 0; i < 500; ++i) cache.set("w" + std::to_string(i % 5), "v");
  EXPECT_EQ(cache.size(), 100u + 5u);
  for (int i = 0; i < 200; i += 2) EXPECT_EQ(cache.get("live" + std::to_string(i)), "v") << i;
}

}  // namespace
}  // namespace fast_cache
