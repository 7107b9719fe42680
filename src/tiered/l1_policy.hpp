// How long the near cache (L1) may keep a value, and which keys it never holds. Pure decisions.
#pragma once

#include <fast_cache/backend.hpp>
#include <fast_cache/expiry.hpp>

#include <optional>
#include <string_view>

namespace fast_cache::detail::tiered {

/// How long L1 keeps a value L2 answered with `left` to live, read `elapsed` ago (the call's
/// duration: L2 measured `left` somewhere within it): never past L2's expiry nor past
/// max_staleness, both counted from when the call started. nullopt: not worth keeping.
[[nodiscard]] std::optional<duration> l1_lifetime(const time_left& left, duration max_staleness,
                                                  std::chrono::steady_clock::duration elapsed) noexcept;

/// The time left of an entry a write stores with `expire`. A write without one gets L2's own
/// default lifetime, which the tier cannot see: unknown, and L1 keeps nothing for it.
[[nodiscard]] std::optional<time_left> written_time_left(expiry expire) noexcept;

/// Stampede lock keys (`%lock:...`) go to L2 only: a lock is worth nothing unless every process
/// sees the same one.
[[nodiscard]] bool bypasses_l1(std::string_view key) noexcept;

}  // namespace fast_cache::detail::tiered
