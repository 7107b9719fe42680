#include "tiered/l1_policy.hpp"

#include <fast_cache/detail/cache_session.hpp>

#include <algorithm>

namespace fast_cache::detail::tiered {

std::optional<duration> l1_lifetime(const time_left& left, duration max_staleness,
                                    std::chrono::steady_clock::duration elapsed) noexcept {
  // Unknown: L2 cannot say, so max_staleness is the only bound there is.
  const duration bound = left.what == time_left::kind::known ? std::min(left.left, max_staleness) : max_staleness;
  const duration kept = bound - std::chrono::ceil<duration>(elapsed);
  if (kept <= duration::zero()) return std::nullopt;
  return kept;
}

std::optional<time_left> written_time_left(expiry expire) noexcept {
  if (!expire) return std::nullopt;
  if (expire->count() <= 0) return time_left{.what = time_left::kind::never};
  return time_left{.what = time_left::kind::known, .left = *expire};
}

bool bypasses_l1(std::string_view key) noexcept { return key.starts_with(lock_key_prefix); }

}  // namespace fast_cache::detail::tiered
