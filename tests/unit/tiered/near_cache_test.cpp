// L1's coherence bookkeeping: a read or a write that overlapped another change keeps nothing.
#include "tiered/near_cache.hpp"
#include "tiered/l1_policy.hpp"

#include <gtest/gtest.h>

namespace fast_cache::detail::tiered {
namespace {

using namespace std::chrono_literals;

TEST(near_cache, a_read_that_overlapped_an_invalidation_keeps_nothing) {
  near_cache l1({}, true);
  const auto t = l1.before_read("k");
  l1.invalidate("k");  // another process changed k while L2 was answering
  l1.fill(t, "k", "old", 10s);
  EXPECT_EQ(l1.lookup("k"), std::nullopt);
  l1.fill(l1.before_read("k"), "k", "v", 10s);
  EXPECT_EQ(l1.lookup("k"), "v");
}

TEST(near_cache, a_read_that_overlapped_a_write_keeps_nothing) {
  near_cache l1({}, true);
  const auto read = l1.before_read("k");
  const auto write = l1.begin_write("k");
  l1.end_write(write, "k", "new", 10s);
  l1.fill(read, "k", "old", 10s);
  EXPECT_EQ(l1.lookup("k"), "new");
}

TEST(near_cache, overlapping_writes_of_a_key_keep_nothing) {
  // Which of the two reached L2 last is not known here.
  near_cache l1({}, true);
  const auto first = l1.begin_write("k");
  const auto second = l1.begin_write("k");
  l1.end_write(second, "k", "2", 10s);
  EXPECT_EQ(l1.lookup("k"), std::nullopt);
  l1.end_write(first, "k", "1", 10s);
  EXPECT_EQ(l1.lookup("k"), std::nullopt);
}

TEST(near_cache, a_failed_write_keeps_nothing) {
  near_cache l1({}, true);
  l1.fill(l1.before_read("k"), "k", "old", 10s);
  const auto write = l1.begin_write("k");
  EXPECT_EQ(l1.lookup("k"), std::nullopt) << "a write drops the key before L2 is asked";
  l1.end_write(write, "k", std::nullopt, std::nullopt);
  EXPECT_EQ(l1.lookup("k"), std::nullopt);
}

TEST(near_cache, disabled_it_serves_and_keeps_nothing) {
  near_cache l1({}, false);
  l1.fill(l1.before_read("k"), "k", "v", 10s);
  EXPECT_EQ(l1.lookup("k"), std::nullopt);
  const auto t = l1.before_read("k");
  l1.set_enabled(true);
  l1.fill(t, "k", "from before", 10s);
  EXPECT_EQ(l1.lookup("k"), std::nullopt) << "read before the subscription was in place";
  l1.fill(l1.before_read("k"), "k", "v", 10s);
  EXPECT_TRUE(l1.contains("k"));
  l1.set_enabled(false);
  l1.set_enabled(true);
  EXPECT_FALSE(l1.contains("k"));
}

TEST(near_cache, a_value_too_large_for_l1_is_simply_not_kept) {
  near_cache l1({.max_bytes = 64, .shards = 1}, true);
  l1.fill(l1.before_read("k"), "k", std::string(100, 'x'), 10s);
  EXPECT_EQ(l1.lookup("k"), std::nullopt);
}

TEST(l1_policy, lifetimes) {
  const time_left unknown{}, never{.what = time_left::kind::never};
  const time_left soon{.what = time_left::kind::known, .left = 300ms};
  EXPECT_EQ(l1_lifetime(unknown, 2s, 0ms), 2s);
  EXPECT_EQ(l1_lifetime(never, 2s, 0ms), 2s);
  EXPECT_EQ(l1_lifetime(soon, 2s, 0ms), 300ms);
  EXPECT_EQ(l1_lifetime(soon, 100ms, 0ms), 100ms);
  EXPECT_EQ(l1_lifetime(soon, 2s, std::chrono::microseconds(1500)), 298ms) << "the read's time is taken off";
  EXPECT_EQ(l1_lifetime(soon, 2s, 300ms), std::nullopt);
  EXPECT_EQ(written_time_left(std::nullopt), std::nullopt);
  EXPECT_EQ(written_time_left(0s), never);
  EXPECT_EQ(written_time_left(300ms), soon);
  EXPECT_TRUE(bypasses_l1("%lock:k"));
  EXPECT_FALSE(bypasses_l1("k%lock:"));
}

}  // namespace
}  // namespace fast_cache::detail::tiered
