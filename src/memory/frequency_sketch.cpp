#include "frequency_sketch.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>

namespace fast_cache::detail::memory {

namespace {

// The shard and its table already used the hash's high and low bits: keys in one shard share
// them, so the sketch mixes the hash again for bits of its own.
std::uint64_t remix(std::uint64_t hash) noexcept {
  hash ^= hash >> 31;
  hash *= 0x9E3779B97F4A7C15ull;
  return hash ^ (hash >> 29);
}

constexpr std::uint64_t low_bits = 0x1111111111111111ull;  // the lowest bit of every counter

// Counter `row` of a key: word 2 row or 2 row + 1 of its block, and the bit its nibble starts at,
// from 5 bits of the mixed hash (the block comes from its high half).
struct counter_place {
  std::size_t word;
  unsigned shift;
};

counter_place place(std::uint64_t mixed, unsigned row) noexcept {
  const auto bits = static_cast<unsigned>(mixed >> (5 * row)) & 31u;
  return {2 * row + (bits >> 4), (bits & 15u) * 4};
}

}  // namespace

frequency_sketch::frequency_sketch(std::size_t expected_entries) : max_entries_(expected_entries) {
  allocate(std::min(expected_entries, initial_entries));
}

void frequency_sketch::ensure_capacity(std::size_t resident) noexcept {
  if (resident <= entries_ || entries_ >= max_entries_) return;
  try {
    allocate(std::min(max_entries_, std::max(resident, 2 * entries_)));
  } catch (const std::bad_alloc&) {
    max_entries_ = entries_;  // the sketch keeps its size: estimates only get coarser
  }
}

void frequency_sketch::allocate(std::size_t entries) {
  // One word (16 counters) per entry, as Caffeine sizes its sketch.
  const std::size_t words = std::bit_ceil(std::max(entries, words_per_block));
  blocks_ = std::make_unique<block[]>(words / words_per_block);  // zeroed
  entries_ = entries;
  block_mask_ = words / words_per_block - 1;
  sample_size_ = 10 * std::max<std::size_t>(entries, 1);
  additions_ = 0;
}

void frequency_sketch::increment(std::uint64_t hash) noexcept {
  if (!blocks_) return;
  const std::uint64_t mixed = remix(hash);
  std::uint64_t* words = blocks_[(mixed >> 32) & block_mask_].words;
  bool added = false;
#pragma GCC unroll 4
  for (unsigned row = 0; row < 4; ++row) {
    const auto [word, shift] = place(mixed, row);
    if (((words[word] >> shift) & 15u) != max_count) {
      words[word] += std::uint64_t{1} << shift;
      added = true;
    }
  }
  // A key already at the ceiling adds nothing, so it does not hasten aging either.
  if (added && ++additions_ >= sample_size_) halve();
}

unsigned frequency_sketch::frequency(std::uint64_t hash) const noexcept {
  if (!blocks_) return 0;
  const std::uint64_t mixed = remix(hash);
  const std::uint64_t* words = blocks_[(mixed >> 32) & block_mask_].words;
  unsigned least = max_count;
#pragma GCC unroll 4
  for (unsigned row = 0; row < 4; ++row) {
    const auto [word, shift] = place(mixed, row);
    least = std::min(least, static_cast<unsigned>((words[word] >> shift) & 15u));
  }
  return least;
}

void frequency_sketch::clear() noexcept {
  if (blocks_) std::memset(blocks_.get(), 0, (block_mask_ + 1) * sizeof(block));
  additions_ = 0;
}

void frequency_sketch::halve() noexcept {
  // Each counter loses its low bit; the additions count drops by what the counters lost (a
  // quarter per odd counter, a key having four), as in Caffeine, so the next halving comes after
  // about as many fresh additions as the first.
  std::size_t odd = 0;
  for (std::size_t b = 0; b <= block_mask_; ++b) {
    for (std::uint64_t& word : blocks_[b].words) {
      odd += static_cast<std::size_t>(std::popcount(word & low_bits));
      word = (word >> 1) & 0x7777777777777777ull;
    }
  }
  additions_ = (additions_ >> 1) - std::min(additions_ >> 1, odd / 4);
}

}  // namespace fast_cache::detail::memory
