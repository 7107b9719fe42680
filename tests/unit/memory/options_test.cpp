// Options: defaults, and clear errors for invalid ones.
#include <fast_cache/memory_backend.hpp>

#include "expect_error.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace fast_cache {
namespace {

using namespace std::chrono_literals;
using test::expect_error;

TEST(MemoryOptions, Defaults) {
  const InMemoryOptions options;
  EXPECT_EQ(options.namespace_, "cache");
  EXPECT_EQ(options.max_size, 10'000u);
  EXPECT_EQ(options.max_bytes, 0u);
  EXPECT_EQ(options.eviction, memory_eviction::tinylfu);
  EXPECT_EQ(options.default_expire, std::nullopt);
  EXPECT_EQ(options.shards, default_memory_shards());
  EXPECT_GE(options.shards, 16u);
  EXPECT_EQ(options.shards & (options.shards - 1), 0u) << "a power of two";

  InMemoryBackend cache;
  EXPECT_EQ(cache.namespace_name(), "cache");
  EXPECT_EQ(cache.shard_count(), default_memory_shards());
}

TEST(MemoryOptions, EvictionByName) {
  EXPECT_EQ(memory_eviction_from_name("lru"), memory_eviction::lru);
  EXPECT_EQ(memory_eviction_from_name("tinylfu"), memory_eviction::tinylfu);
  expect_error([] { (void)memory_eviction_from_name("LFU"); }, errc::invalid_argument,
               "InMemoryOptions::eviction must be lru or tinylfu, got \"LFU\"");
  expect_error([] { InMemoryBackend({.eviction = static_cast<memory_eviction>(7)}); }, errc::invalid_argument,
               "InMemoryOptions::eviction must be");
}

TEST(MemoryOptions, ShardsOutOfRange) {
  expect_error([] { InMemoryBackend({.shards = 0}); }, errc::invalid_argument,
               "InMemoryOptions::shards must be between 1 and 4096, got 0");
  expect_error([] { InMemoryBackend({.shards = 100'000}); }, errc::invalid_argument,
               "InMemoryOptions::shards must be between 1 and 4096, got 100000");
}

TEST(MemoryOptions, NegativeDurations) {
  expect_error([] { InMemoryBackend({.default_expire = -1s}); }, errc::invalid_argument,
               "InMemoryOptions::default_expire must not be negative, got -1000ms");
  expect_error([] { InMemoryBackend({.sweep_interval = -5ms}); }, errc::invalid_argument,
               "InMemoryOptions::sweep_interval must not be negative, got -5ms");
}

TEST(MemoryOptions, EmptyNamespace) {
  expect_error([] { InMemoryBackend({.namespace_ = ""}); }, errc::invalid_argument,
               "InMemoryOptions::namespace_ must not be empty");
}

TEST(MemoryOptions, ByteBudgetSmallerThanShardCount) {
  expect_error([] { InMemoryBackend({.max_bytes = 3, .shards = 8}); }, errc::invalid_argument,
               "InMemoryOptions::max_bytes (3) must be at least the number of shards (8)");
}

TEST(MemoryOptions, ZeroDefaultExpireMeansNever) {
  InMemoryBackend cache({.default_expire = 0s});
  cache.set("k", "v");
  EXPECT_EQ(cache.get("k"), "v");
}

}  // namespace
}  // namespace fast_cache
