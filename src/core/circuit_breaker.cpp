#include "core/circuit_breaker.hpp"

#include <fast_cache/error.hpp>

#include <boost/asio/error.hpp>

namespace fast_cache::detail {

circuit_breaker::circuit_breaker(circuit_breaker_options options) : options_(options) {
  if (options_.failure_threshold < 1)
    throw Error(errc::invalid_argument, "circuit breaker failure_threshold must be >= 1");
  if (options_.cooldown.count() < 0)
    throw Error(errc::invalid_argument, "circuit breaker cooldown must not be negative");
}

circuit_breaker::ticket circuit_breaker::admit(clock::time_point now) {
  if (!options_.enabled) return {};
  const std::lock_guard lock(mutex_);
  switch (state_) {
    case state::closed:
      return {};
    case state::open:
      if (now < open_until_) return {false, false};
      state_ = state::half_open;
      probe_in_flight_ = true;
      return {true, true};
    case state::half_open:
      if (probe_in_flight_) return {false, false};
      probe_in_flight_ = true;
      return {true, true};
  }
  return {};
}

void circuit_breaker::report(const ticket& t, outcome result, clock::time_point now) {
  if (!options_.enabled || !t.allowed || result == outcome::neutral) {
    if (t.probe) {
      const std::lock_guard lock(mutex_);
      probe_in_flight_ = false;  // the next caller probes instead
    }
    return;
  }
  const std::lock_guard lock(mutex_);
  if (t.probe) {
    probe_in_flight_ = false;
    if (result == outcome::success) {
      state_ = state::closed;
      consecutive_failures_ = 0;
    } else {
      open_at(now);
    }
    return;
  }
  // Calls admitted before the breaker opened end while it is open: they change nothing then.
  if (state_ != state::closed) return;
  if (result == outcome::success) {
    consecutive_failures_ = 0;
  } else if (++consecutive_failures_ >= options_.failure_threshold) {
    open_at(now);
  }
}

void circuit_breaker::open_at(clock::time_point now) {
  state_ = state::open;
  open_until_ = now + options_.cooldown;
  consecutive_failures_ = 0;
  ++opens_;
}

std::string_view circuit_breaker::state_name(clock::time_point now) const {
  if (!options_.enabled) return "none";
  const std::lock_guard lock(mutex_);
  switch (state_) {
    case state::closed:
      return "closed";
    case state::open:
      return now < open_until_ ? "open" : "half-open";
    case state::half_open:
      return "half-open";
  }
  return "closed";
}

std::uint64_t circuit_breaker::opens() const {
  const std::lock_guard lock(mutex_);
  return opens_;
}

std::chrono::milliseconds circuit_breaker::retry_in(clock::time_point now) const {
  const std::lock_guard lock(mutex_);
  if (state_ != state::open || now >= open_until_) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(open_until_ - now);
}

circuit_breaker::outcome circuit_breaker::classify(const boost::system::error_code& ec) noexcept {
  if (!ec) return outcome::success;
  if (ec == errc::timeout || ec == errc::unavailable || ec == errc::throttled || ec == errc::protocol)
    return outcome::failure;
  if (ec == errc::rejected || ec == errc::decode_failed) return outcome::success;  // the server answered
  // Local validation, closing, cancellation, our own faults: they say nothing of the server.
  return outcome::neutral;
}

}  // namespace fast_cache::detail
