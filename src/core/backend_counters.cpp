#include "core/backend_counters.hpp"

#include <boost/asio/error.hpp>

namespace fast_cache::detail {

void backend_counters::finished(const boost::system::error_code& ec) noexcept {
  if (!ec) return;
  bump(errors_);
  if (ec == errc::timeout) bump(timeouts_);
  if (ec == errc::unavailable) bump(unavailable_);
  if (ec == errc::throttled) bump(throttled_);
  if (ec == boost::asio::error::operation_aborted) bump(cancelled_);
}

backend_stats backend_counters::snapshot(const circuit_breaker& breaker) const {
  const auto load = [](const std::atomic<std::uint64_t>& c) { return c.load(std::memory_order_relaxed); };
  backend_stats s;
  s.calls = load(calls_);
  s.errors = load(errors_);
  s.timeouts = load(timeouts_);
  s.unavailable = load(unavailable_);
  s.throttled = load(throttled_);
  s.cancelled = load(cancelled_);
  s.retries = load(retries_);
  s.breaker_opens = breaker.opens();
  s.breaker_rejections = load(breaker_rejections_);
  s.breaker_state = breaker.state_name(circuit_breaker::clock::now());
  return s;
}

}  // namespace fast_cache::detail
