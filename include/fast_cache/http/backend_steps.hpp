// The steps every framework adapter takes around its backend calls, so that the adapters differ
// only in how they read (sync or co_await) and in how they translate requests and responses.
#pragma once

#include <fast_cache/cache.hpp>
#include <fast_cache/detail/cache_session.hpp>
#include <fast_cache/http/entry.hpp>
#include <fast_cache/http/route_cache.hpp>

#include <optional>
#include <string>
#include <vector>

namespace fast_cache::http {

/// The entry to serve from what the backend returned for the session's key: nullopt when nothing
/// was stored, the entry has expired, or the bytes are not an entry (reported as a "decode"
/// failure, and then treated as a miss whose fresh response overwrites them).
[[nodiscard]] std::optional<entry> live_entry(detail::cache_session& session, std::optional<std::string> stored,
                                              clock::time_point now);

/// A fresh response ready to be stored: the entry (its ETag and expiry go into the served
/// headers), its bytes, and the expiry to give the backend.
struct entry_to_store {
  entry stored;
  std::string bytes;
  /// The route's lifetime, or zero ("never expires" to a backend) for an entry without expires_at.
  duration backend_expire{};
};

/// Builds what to store for a fresh response on a route, with the Cache's default expiry.
[[nodiscard]] entry_to_store prepare_store(const route_cache& route, const Cache& cache, unsigned status,
                                           std::vector<header_field> headers, std::string body, clock::time_point now);

}  // namespace fast_cache::http
