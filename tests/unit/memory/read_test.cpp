// Reads that need not allocate (get_into, visit), and the read answered on the calling thread (try_get_now).
#include <fast_cache/memory_backend.hpp>

#include "manual_clock.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

namespace fast_cache {
namespace {

using namespace std::chrono_literals;
using test::manual_clock;

TEST(MemoryRead, GetIntoReusesCapacity) {
  InMemoryBackend cache;
  cache.set("k", "value");
  std::string out;
  out.reserve(1000);
  const char* buffer = out.data();
  EXPECT_TRUE(cache.get_into("k", out));
  EXPECT_EQ(out, "value");
  EXPECT_EQ(out.data(), buffer) << "no new allocation";
  cache.set("big", std::string(900, 'b'));  // over the 128 bytes copied under the lock
  EXPECT_TRUE(cache.get_into("big", out));
  EXPECT_EQ(out, std::string(900, 'b'));
  EXPECT_EQ(out.data(), buffer);
  cache.set("short", "ab");  // copied under the lock over a longer value
  EXPECT_TRUE(cache.get_into("short", out));
  EXPECT_EQ(out, "ab");
  EXPECT_EQ(out.data(), buffer);
}

TEST(MemoryRead, TryGetNowAnswersHitsAndMisses) {
  InMemoryBackend cache;
  cache.set("k", "value");
  std::optional<std::string> out;
  EXPECT_TRUE(cache.try_get_now("k", out));
  EXPECT_EQ(out, "value");
  EXPECT_TRUE(cache.try_get_now("absent", out));
  EXPECT_EQ(out, std::nullopt);
}

TEST(MemoryRead, TryGetNowLeavesARefusedReadToTheAsyncPath) {
  InMemoryBackend cache;
  std::optional<std::string> out = "untouched";
  EXPECT_FALSE(cache.try_get_now("", out)) << "the async read reports the invalid key";
  cache.close();
  EXPECT_FALSE(cache.try_get_now("k", out)) << "the async read reports errc::closed";
  EXPECT_EQ(out, "untouched");
}

TEST(MemoryRead, GetIntoMissLeavesOutAlone) {
  InMemoryBackend cache;
  std::string out = "before";
  EXPECT_FALSE(cache.get_into("absent", out));
  EXPECT_EQ(out, "before");
  cache.set("empty", "");
  EXPECT_TRUE(cache.get_into("empty", out));
  EXPECT_EQ(out, "");
}

TEST(MemoryRead, VisitSeesTheValueOnce) {
  InMemoryBackend cache;
  cache.set("k", std::string("a\0b", 3));
  int calls = 0;
  EXPECT_TRUE(cache.visit("k", [&](std::string_view v) {
    ++calls;
    EXPECT_EQ(v, std::string_view("a\0b", 3));
  }));
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(cache.visit("absent", [&](std::string_view) { ++calls; }));
  EXPECT_EQ(calls, 1);
}

TEST(MemoryRead, VisitorMayUseTheBackend) {
  InMemoryBackend cache({.shards = 1});
  cache.set("k", std::string(500, 'x'));  // pinned, not copied
  EXPECT_TRUE(cache.visit("k", [&](std::string_view v) {
    cache.set("k", "replaced");  // the same shard: its lock is not held
    cache.erase("k");
    EXPECT_EQ(v, std::string(500, 'x')) << "the view outlives the entry's removal";
  }));
  EXPECT_FALSE(cache.has("k"));
}

TEST(MemoryRead, ExpiredValuesAreNotVisited) {
  manual_clock clock;
  InMemoryBackend cache({.clock = clock.function()});
  cache.set("k", "v", 1s);
  std::string out;
  EXPECT_TRUE(cache.get_into("k", out));
  clock.advance(2s);
  EXPECT_FALSE(cache.get_into("k", out));
  EXPECT_FALSE(cache.visit("k", [](std::string_view) { ADD_FAILURE(); }));
  EXPECT_EQ(cache.size(), 0u) << "the read removed it";
}

TEST(MemoryRead, GetIntoCountsAsAUse) {
  InMemoryBackend cache({.max_size = 2, .eviction = memory_eviction::lru, .shards = 1});
  cache.set("a", "1");
  cache.set("b", "2");
  std::string out;
  EXPECT_TRUE(cache.get_into("a", out));
  cache.set("c", "3");
  EXPECT_TRUE(cache.has("a"));
  EXPECT_FALSE(cache.has("b"));
}

}  // namespace
}  // namespace fast_cache
