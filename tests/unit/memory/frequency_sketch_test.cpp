// The count-min sketch behind TinyLFU admission: counting, saturation and aging.
#include "memory/frequency_sketch.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace fast_cache::detail::memory {
namespace {

// Hashes as the backend's std::hash gives them: spread over all 64 bits.
std::uint64_t hash_of(std::uint64_t n) { return (n + 1) * 0xD6E8FEB86659FD93ull; }

TEST(FrequencySketch, CountsSightings) {
  frequency_sketch sketch(1024);
  EXPECT_EQ(sketch.frequency(hash_of(1)), 0u);
  for (unsigned i = 1; i <= 10; ++i) {
    sketch.increment(hash_of(1));
    EXPECT_EQ(sketch.frequency(hash_of(1)), i);
  }
  EXPECT_EQ(sketch.frequency(hash_of(2)), 0u) << "one key's counts do not show as another's here";
}

TEST(FrequencySketch, SaturatesAtFifteen) {
  frequency_sketch sketch(1024);
  for (int i = 0; i < 100; ++i) sketch.increment(hash_of(7));
  EXPECT_EQ(sketch.frequency(hash_of(7)), frequency_sketch::max_count);
  EXPECT_EQ(sketch.additions(), frequency_sketch::max_count) << "a saturated key does not age the sketch";
}

TEST(FrequencySketch, RarelyOverestimates) {
  // Count-min never underestimates; with 1,000 keys seen once in a sketch for 1,000, almost
  // every key reads 1.
  frequency_sketch sketch(1000);
  for (std::uint64_t k = 0; k < 1000; ++k) sketch.increment(hash_of(k));
  int exact = 0;
  for (std::uint64_t k = 0; k < 1000; ++k) {
    ASSERT_GE(sketch.frequency(hash_of(k)), 1u);
    exact += sketch.frequency(hash_of(k)) == 1 ? 1 : 0;
  }
  EXPECT_GE(exact, 950);
}

TEST(FrequencySketch, HalvesEveryCounterAfterTheSample) {
  frequency_sketch sketch(64);
  EXPECT_EQ(sketch.sample_size(), 640u);
  for (int i = 0; i < 12; ++i) sketch.increment(hash_of(1));
  for (int i = 0; i < 5; ++i) sketch.increment(hash_of(2));
  // Fill the sample with keys seen once each, short of the last addition.
  std::uint64_t k = 1000;
  while (sketch.additions() + 1 < sketch.sample_size()) sketch.increment(hash_of(k++));
  // Other keys may share counters with these two (64 words for 640 additions), so compare with
  // what they read just before: halving every counter halves every minimum.
  const unsigned first = sketch.frequency(hash_of(1));
  const unsigned second = sketch.frequency(hash_of(2));
  EXPECT_GE(first, 12u);
  EXPECT_GE(second, 5u);
  sketch.increment(hash_of(k));  // the sample's last addition
  EXPECT_EQ(sketch.frequency(hash_of(1)), first / 2);
  EXPECT_EQ(sketch.frequency(hash_of(2)), second / 2);
  EXPECT_LT(sketch.additions(), sketch.sample_size() / 2) << "the count halves too, less what odd counters lost";
}

TEST(FrequencySketch, ClearForgetsEverything) {
  frequency_sketch sketch(16);
  for (int i = 0; i < 3; ++i) sketch.increment(hash_of(3));
  sketch.clear();
  EXPECT_EQ(sketch.frequency(hash_of(3)), 0u);
  EXPECT_EQ(sketch.additions(), 0u);
}

TEST(FrequencySketch, EmptySketchCountsNothing) {
  frequency_sketch sketch;
  sketch.increment(hash_of(1));
  EXPECT_EQ(sketch.frequency(hash_of(1)), 0u);
}

TEST(FrequencySketch, StartsSmallAndGrowsWithTheKeysResident) {
  // A cache sized for a billion entries that holds a few must not pay for a billion up front
  // (found by fuzzing memory:// URLs: a large max_size took gigabytes at construction).
  frequency_sketch sketch(1'000'000'000);
  EXPECT_EQ(sketch.sample_size(), 10 * frequency_sketch::initial_entries);
  sketch.increment(hash_of(1));
  sketch.ensure_capacity(frequency_sketch::initial_entries);
  EXPECT_EQ(sketch.frequency(hash_of(1)), 1u) << "no growth yet";
  sketch.ensure_capacity(frequency_sketch::initial_entries + 1);
  EXPECT_EQ(sketch.sample_size(), 20 * frequency_sketch::initial_entries) << "doubled";
  EXPECT_EQ(sketch.frequency(hash_of(1)), 0u) << "growing forgets the counts";
  frequency_sketch bounded(3000);
  bounded.ensure_capacity(1'000'000);
  EXPECT_EQ(bounded.sample_size(), 30000u) << "never past what it was made for";
}

}  // namespace
}  // namespace fast_cache::detail::memory
