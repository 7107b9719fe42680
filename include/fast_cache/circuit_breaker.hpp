// Options of the circuit breaker every remote backend puts in front of its server.
#pragma once

#include <chrono>

namespace fast_cache {

/// After `failure_threshold` consecutive calls fail with timeout, unavailable, throttled or
/// protocol errors, the breaker opens: calls fail at once with errc::unavailable, costing no
/// network and no wait. After `cooldown` one call is let through as a probe; its success closes
/// the breaker, its failure opens it for another cooldown. Answers the server gives (a rejected
/// request, a missing item) count as successes; local validation failures and cancellations
/// count as neither.
struct circuit_breaker_options {
  bool enabled = true;
  int failure_threshold = 5;
  std::chrono::milliseconds cooldown{2000};
};

}  // namespace fast_cache
