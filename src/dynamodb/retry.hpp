// Retry policy: bounded attempts, exponential backoff with full jitter.
#pragma once

#include "dynamodb/errors.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>

namespace fast_cache::dynamodb {

/// Defaults follow the AWS SDKs' 2026 standard mode for DynamoDB: 4 attempts, 25 ms base for
/// transient failures, 1 s base when throttled, 20 s cap.
struct retry_policy {
  int max_attempts = 4;  ///< counting the first attempt
  std::chrono::milliseconds base{25};
  std::chrono::milliseconds throttling_base{1000};
  std::chrono::milliseconds cap{20000};
};

/// The delay before the next attempt after `attempt` attempts (1-based) failed with `kind`, or
/// nullopt when the failure is final: rand(0,1) * min(cap, base * 2^(attempt-1)).
template <class Rng>
std::optional<std::chrono::milliseconds> next_delay(const retry_policy& policy, int attempt, error_class kind,
                                                    Rng& rng) {
  if (kind == error_class::fatal || attempt >= policy.max_attempts) return std::nullopt;
  const auto base = kind == error_class::throttling ? policy.throttling_base : policy.base;
  const int shift = std::clamp(attempt - 1, 0, 30);
  const double ceiling = std::min<double>(static_cast<double>(policy.cap.count()),
                                          static_cast<double>(base.count()) * static_cast<double>(1LL << shift));
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  return std::chrono::milliseconds(static_cast<long long>(jitter(rng) * ceiling));
}

}  // namespace fast_cache::dynamodb
