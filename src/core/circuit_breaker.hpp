// The circuit breaker's state machine (closed, open, half-open), with the clock as a parameter.
#pragma once

#include <fast_cache/circuit_breaker.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string_view>

namespace fast_cache::detail {

class circuit_breaker {
 public:
  using clock = std::chrono::steady_clock;

  /// How a call that was let through ended, for the breaker.
  enum class outcome { success, failure, neutral };

  /// What admit() decided. A probe must be reported, whatever its outcome, or no other probe is
  /// let through until the next cooldown.
  struct ticket {
    bool allowed = true;
    bool probe = false;
  };

  /// Throws Error(errc::invalid_argument) for a threshold below 1 or a negative cooldown.
  explicit circuit_breaker(circuit_breaker_options options);

  [[nodiscard]] ticket admit(clock::time_point now);
  void report(const ticket& t, outcome result, clock::time_point now);

  /// "closed", "open" or "half-open"; "none" when disabled.
  [[nodiscard]] std::string_view state_name(clock::time_point now) const;
  [[nodiscard]] std::uint64_t opens() const;
  /// How long until the next probe may go, when open.
  [[nodiscard]] std::chrono::milliseconds retry_in(clock::time_point now) const;

  /// The breaker's view of an operation's result code.
  [[nodiscard]] static outcome classify(const boost::system::error_code& ec) noexcept;

 private:
  enum class state { closed, open, half_open };
  void open_at(clock::time_point now);

  const circuit_breaker_options options_;
  mutable std::mutex mutex_;
  state state_ = state::closed;
  int consecutive_failures_ = 0;
  clock::time_point open_until_{};
  bool probe_in_flight_ = false;
  std::uint64_t opens_ = 0;
};

}  // namespace fast_cache::detail
