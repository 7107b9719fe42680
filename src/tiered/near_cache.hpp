// The near cache (L1): an InMemoryBackend, and the bookkeeping that keeps it from holding a value
// L2 no longer has. Reads of L2 and writes to it overlap in time, so a value read from L2 may be
// older than a write or an invalidation that finished while the read was on its way. Keys map to
// stripes, each with an epoch that every change of its keys in L1 moves on; a value read from L2
// goes into L1 only if its stripe's epoch has not moved since the read began, checked and stored
// under the stripe's lock. Writes empty the key in L1 first and, when they end, store the value
// written only if no other change of the stripe came in between: the order in which two writes
// of one key reach L2 is not known here.
#pragma once

#include <fast_cache/expiry.hpp>
#include <fast_cache/memory_backend.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace fast_cache::detail::tiered {

class near_cache {
 public:
  /// Where a change or a read of L2 began: its stripe and that stripe's epoch then.
  struct ticket {
    std::size_t stripe = 0;
    std::uint64_t epoch = 0;
  };

  /// `enabled` false: serves and keeps nothing until set_enabled(true).
  near_cache(InMemoryOptions options, bool enabled);

  /// The value L1 holds; nullopt when it holds none or is disabled.
  std::optional<std::string> lookup(std::string_view key);
  bool contains(std::string_view key);

  /// Before reading key from L2.
  ticket before_read(std::string_view key);
  /// Keeps what L2 answered for `lifetime`, unless the key's stripe changed since `t` or L1 is
  /// disabled. L1 refusing it (too large) is no error: the value is simply not kept.
  void fill(const ticket& t, std::string_view key, std::string_view value, duration lifetime);

  /// Before changing key in L2: drops it from L1.
  ticket begin_write(std::string_view key);
  /// After: keeps `value` for `lifetime` when the write succeeded and nothing else changed the
  /// stripe meanwhile (no other write in flight, no invalidation); otherwise drops the key again.
  void end_write(const ticket& t, std::string_view key, std::optional<std::string_view> value,
                 std::optional<duration> lifetime);

  /// Another process changed key.
  void invalidate(std::string_view key);
  /// Everything may have changed (a clear, a lost subscription).
  void invalidate_all();
  /// Disabling also empties L1.
  void set_enabled(bool enabled);
  [[nodiscard]] bool enabled() const noexcept { return enabled_.load(std::memory_order_acquire); }

  void close();

 private:
  static constexpr std::size_t stripe_count = 64;
  struct stripe {
    std::mutex mutex;
    std::uint64_t epoch = 0;
    std::uint32_t writers = 0;  // writes of its keys in flight
  };

  stripe& stripe_of(std::size_t index) noexcept { return stripes_[index]; }
  [[nodiscard]] static std::size_t index_of(std::string_view key) noexcept;
  void drop(std::string_view key) noexcept;
  void keep(std::string_view key, std::string_view value, duration lifetime) noexcept;

  InMemoryBackend store_;
  std::array<stripe, stripe_count> stripes_;
  std::atomic<bool> enabled_;
};

}  // namespace fast_cache::detail::tiered
