// Expiry durations: how long an entry lives.
#pragma once

#include <chrono>
#include <optional>

namespace fast_cache {

/// Expiry granularity. Backends that store seconds (DynamoDB) round up.
using duration = std::chrono::milliseconds;

/// A per-call expiry. `std::nullopt` means "use the backend's default_expire";
/// a zero or negative duration means "never expires" (the seed's semantics).
using expiry = std::optional<duration>;

/// Resolves a per-call expiry against a default: the effective lifetime, or nullopt for "never expires".
[[nodiscard]] constexpr std::optional<duration> effective_expiry(expiry per_call, expiry fallback) noexcept {
  const expiry chosen = per_call ? per_call : fallback;
  if (!chosen || chosen->count() <= 0) return std::nullopt;
  return chosen;
}

}  // namespace fast_cache
