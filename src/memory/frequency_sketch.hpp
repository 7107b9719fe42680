// A count-min sketch of 4-bit counters that estimates how often each key was seen lately.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace fast_cache::detail::memory {

/// Popularity estimates for TinyLFU admission, in about 8 bytes per expected entry. A key's four
/// counters (the four rows of the count-min sketch) lie in one 64-byte block of 8 words, row r in
/// word 2r or 2r+1, so counting or estimating touches one cache line. (Four counters in one word
/// would take a third fewer instructions, but the rows then share their collisions: it cost a
/// point of hit ratio on Zipf traces.) Counters saturate at 15: admission only needs to know which of two keys is more
/// popular, and small counters keep the sketch small enough to stay in cache. After sample_size() additions every
/// counter is halved, so the estimates follow a workload that changes (aging).
class frequency_sketch {
 public:
  static constexpr unsigned max_count = 15;

  frequency_sketch() = default;
  /// A sketch for up to about expected_entries keys. It starts at most initial_entries large and
  /// grows with the keys resident (ensure_capacity), so a cache sized for millions that holds a
  /// few keys costs a few kilobytes. sample_size() is ten times its current size.
  explicit frequency_sketch(std::size_t expected_entries);

  static constexpr std::size_t initial_entries = 1024;

  /// Grows the sketch, doubling and up to expected_entries, once more keys than its size are
  /// resident. Growing forgets every count, as Caffeine's does: amortised, it is rare. Out of
  /// memory, the sketch keeps its size.
  void ensure_capacity(std::size_t resident) noexcept;

  /// Counts one more sighting of the key with this hash.
  void increment(std::uint64_t hash) noexcept;
  /// The estimated sightings of the key, 0 to max_count; never below the true count since the
  /// last halving, above it only when other keys share all four counters.
  [[nodiscard]] unsigned frequency(std::uint64_t hash) const noexcept;
  /// Sets every counter to 0.
  void clear() noexcept;

  [[nodiscard]] std::size_t sample_size() const noexcept { return sample_size_; }
  /// Additions counted since the last halving (halving also halves this count).
  [[nodiscard]] std::size_t additions() const noexcept { return additions_; }

 private:
  static constexpr std::size_t words_per_block = 8;  // 64 bytes: one cache line
  // Aligned as a cache line is: new[] aligns plain words to 16 bytes only, so a block straddled
  // two lines three times in four, and a count took two cache misses instead of one.
  struct alignas(64) block {
    std::uint64_t words[words_per_block];
  };

  // Cold, so it stays out of line: inlined, its loop made increment save six registers on every call.
  [[gnu::cold]] void halve() noexcept;
  void allocate(std::size_t entries);

  std::unique_ptr<block[]> blocks_;
  std::size_t entries_ = 0;
  std::size_t max_entries_ = 0;
  std::size_t block_mask_ = 0;
  std::size_t sample_size_ = 0;
  std::size_t additions_ = 0;
};

}  // namespace fast_cache::detail::memory
