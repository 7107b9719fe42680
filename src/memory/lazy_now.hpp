// Reads the clock at most once per operation, and only when an expiry makes the time matter.
#pragma once

#include "entry.hpp"

#include <functional>

namespace fast_cache::detail::memory {

/// The clock of a backend: the injected one, or steady_clock when none was given.
using clock_function = std::function<time_point()>;

/// Most operations touch no expiring entry, so they never pay for a clock read.
class lazy_now {
 public:
  explicit lazy_now(const clock_function& clock) noexcept : clock_(clock) {}

  [[nodiscard]] time_point get() {
    if (!read_) {
      value_ = clock_ ? clock_() : std::chrono::steady_clock::now();
      read_ = true;
    }
    return value_;
  }

 private:
  const clock_function& clock_;
  // Not a std::optional: with the shard's find inlined into its callers, GCC took its value for
  // one that may be read uninitialized (-Wmaybe-uninitialized).
  bool read_ = false;
  time_point value_{};
};

}  // namespace fast_cache::detail::memory
