// The counters behind a remote backend's stats(): lock-free, bumped from every thread.
#pragma once

#include "core/circuit_breaker.hpp"

#include <fast_cache/backend.hpp>

#include <atomic>
#include <cstdint>

namespace fast_cache::detail {

class backend_counters {
 public:
  void started() noexcept { bump(calls_); }
  void retried() noexcept { bump(retries_); }
  void rejected_by_breaker() noexcept { bump(breaker_rejections_); }
  /// Counts a finished operation's failure by kind; success counts nothing.
  void finished(const boost::system::error_code& ec) noexcept;

  [[nodiscard]] backend_stats snapshot(const circuit_breaker& breaker) const;

 private:
  static void bump(std::atomic<std::uint64_t>& counter) noexcept { counter.fetch_add(1, std::memory_order_relaxed); }

  std::atomic<std::uint64_t> calls_{0}, errors_{0}, timeouts_{0}, unavailable_{0}, throttled_{0}, cancelled_{0},
      retries_{0}, breaker_rejections_{0};
};

}  // namespace fast_cache::detail
