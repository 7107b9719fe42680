// How fresh a stored value is, and what a read does about it: the pure decisions behind
// stale-while-revalidate, stale-if-error and early refresh, for cached() functions and routes.
#pragma once

#include <fast_cache/expiry.hpp>

#include <cstdint>
#include <optional>

namespace fast_cache::detail {

/// The windows and the early-refresh factor of one cached function or route.
struct freshness_policy {
  duration stale_while_revalidate{0};
  duration stale_if_error{0};
  double early_refresh_beta = 0;

  /// Whether any of them is on: values must then carry when they go stale.
  [[nodiscard]] bool any() const noexcept {
    return stale_while_revalidate.count() > 0 || stale_if_error.count() > 0 || early_refresh_beta > 0;
  }
};

/// What a read does with a value it found.
enum class freshness {
  fresh,             ///< serve it
  refresh_early,     ///< serve it, and refresh it in the background (XFetch drew this read)
  stale_revalidate,  ///< serve it stale, and refresh it in the background
  stale_if_error,    ///< too stale to serve, unless computing a fresh one fails
  expired,           ///< past every window: a plain miss
};

/// Whether a value so judged is served now (fresh, or stale within stale_while_revalidate).
[[nodiscard]] constexpr bool is_served(freshness f) noexcept {
  return f == freshness::fresh || f == freshness::refresh_early || f == freshness::stale_revalidate;
}
/// Whether serving it starts a background refresh.
[[nodiscard]] constexpr bool is_refreshed(freshness f) noexcept {
  return f == freshness::refresh_early || f == freshness::stale_revalidate;
}

/// A value found by a read, and what its freshness lets the caller do with it.
template <class T>
struct judged {
  std::optional<T> value;
  freshness verdict = freshness::expired;

  /// Served now (fresh, or stale within stale_while_revalidate).
  [[nodiscard]] bool serves() const noexcept { return value && is_served(verdict); }
  /// Serving it starts a background refresh.
  [[nodiscard]] bool refreshes() const noexcept { return value && is_refreshed(verdict); }
  /// Served past its freshness.
  [[nodiscard]] bool stale() const noexcept {
    return verdict == freshness::stale_revalidate || verdict == freshness::stale_if_error;
  }
  /// The stale value a failed computation falls back on (stale_if_error).
  [[nodiscard]] bool has_fallback() const noexcept { return value && verdict == freshness::stale_if_error; }
};

/// Judges a value fresh until `fresh_until_ms` (0 = never stale) that took `compute_ms` to
/// compute, at `now_ms`. `unit` is a uniform draw from (0, 1]: XFetch refreshes early when
/// `now - compute * beta * ln(unit) >= fresh_until`, so the chance grows as expiry nears and with
/// how long a computation takes, and one of many readers refreshes a hot value before it expires.
[[nodiscard]] freshness judge_freshness(std::int64_t now_ms, std::int64_t fresh_until_ms, std::uint32_t compute_ms,
                                        const freshness_policy& policy, double unit) noexcept;

/// How long the backend keeps a value whose freshness lasts `lifetime`: the lifetime and the
/// longer stale window, so a stale value is still there to be served. nullopt (the backend's
/// default) and "never" pass through.
[[nodiscard]] expiry backend_expiry(expiry lifetime, const freshness_policy& policy) noexcept;

/// A uniform draw from (0, 1], from a generator of the calling thread.
[[nodiscard]] double unit_draw() noexcept;

}  // namespace fast_cache::detail
