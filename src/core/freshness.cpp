#include <fast_cache/detail/freshness.hpp>

#include <algorithm>
#include <cmath>
#include <random>

namespace fast_cache::detail {

freshness judge_freshness(std::int64_t now_ms, std::int64_t fresh_until_ms, std::uint32_t compute_ms,
                          const freshness_policy& policy, double unit) noexcept {
  if (fresh_until_ms == 0) return freshness::fresh;
  if (now_ms < fresh_until_ms) {
    if (policy.early_refresh_beta <= 0 || unit <= 0) return freshness::fresh;
    const double ahead = static_cast<double>(compute_ms) * policy.early_refresh_beta * -std::log(std::min(unit, 1.0));
    return static_cast<double>(now_ms) + ahead >= static_cast<double>(fresh_until_ms) ? freshness::refresh_early
                                                                                      : freshness::fresh;
  }
  const std::int64_t stale_for = now_ms - fresh_until_ms;
  if (stale_for < policy.stale_while_revalidate.count()) return freshness::stale_revalidate;
  if (stale_for < policy.stale_if_error.count()) return freshness::stale_if_error;
  return freshness::expired;
}

expiry backend_expiry(expiry lifetime, const freshness_policy& policy) noexcept {
  if (!lifetime || lifetime->count() <= 0) return lifetime;
  return *lifetime + std::max(policy.stale_while_revalidate, policy.stale_if_error);
}

double unit_draw() noexcept {
  thread_local std::mt19937_64 random{std::random_device{}()};
  // 53 random bits, shifted past zero: log(0) must never be drawn.
  return (static_cast<double>(random() >> 11) + 1.0) * 0x1.0p-53;
}

}  // namespace fast_cache::detail
