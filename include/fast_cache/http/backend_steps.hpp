// The steps every framework adapter takes around its backend calls, so that the adapters differ
// only in how they read (sync or co_await) and in how they translate requests and responses.
#pragma once

#include <fast_cache/cache.hpp>
#include <fast_cache/detail/cache_session.hpp>
#include <fast_cache/detail/tag_versions.hpp>
#include <fast_cache/http/entry.hpp>
#include <fast_cache/http/route_cache.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fast_cache::http {

/// How a route's entries are sealed in a Cache: its key and the Cache's HTTP secret. Keeps the
/// secret alive while a request uses it.
class entry_sealing {
 public:
  entry_sealing(const Cache& cache, const cache_plan& plan) : secret_(cache.http_secret()), key_(&plan.key) {}
  [[nodiscard]] entry_seal seal() const noexcept { return {*key_, *secret_}; }

 private:
  std::shared_ptr<const std::string> secret_;
  const std::string* key_;
};

/// The entry to serve from what the backend returned for the session's key: nullopt when nothing
/// was stored, the entry has expired or was stored under other versions of its tags than the
/// `current` ones (invalidated), or the bytes are refused (not an entry, failed authentication,
/// invalid: reported as a "decode" failure, counted in cache_stats::undecodable, and then treated
/// as a miss whose fresh response overwrites them).
[[nodiscard]] std::optional<entry> live_entry(detail::cache_session& session, std::optional<std::string> stored,
                                              const std::vector<std::optional<std::string>>& current, entry_seal seal,
                                              clock::time_point now);

/// A fresh response ready to be stored: the entry (its ETag and expiry go into the served
/// headers), its bytes, and the expiry to give the backend.
struct entry_to_store {
  entry stored;
  std::string bytes;
  /// The entry's lifetime, or zero ("never expires" to a backend) for an entry without expires_at.
  duration backend_expire{};
};

/// Builds what to store for a fresh response the route decided to store, under the versions of
/// its tags (detail::versions_for_store).
[[nodiscard]] entry_to_store prepare_store(const store_decision& decision, unsigned status,
                                           std::vector<header_field> headers, std::string body,
                                           std::vector<std::string> tag_versions, entry_seal seal,
                                           clock::time_point now);

}  // namespace fast_cache::http
