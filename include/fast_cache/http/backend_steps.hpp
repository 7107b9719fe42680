// The steps every framework adapter takes around its backend calls, so that the adapters differ
// only in how they read (sync or co_await) and in how they translate requests and responses.
#pragma once

#include <fast_cache/cache.hpp>
#include <fast_cache/detail/cache_session.hpp>
#include <fast_cache/detail/freshness.hpp>
#include <fast_cache/detail/tag_versions.hpp>
#include <fast_cache/http/entry.hpp>
#include <fast_cache/http/route_cache.hpp>

#include <chrono>
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

/// An entry found for a request, with its freshness under the route's policy.
using found_entry = fast_cache::detail::judged<entry>;

/// The entry found in what the backend returned for the session's key, judged by `policy` at
/// `now`: none when nothing was stored, the entry is past every window or was stored under other
/// versions of its tags than the `current` ones (invalidated), or the bytes are refused (not an
/// entry, failed authentication, invalid: reported as a "decode" failure, counted in
/// cache_stats::undecodable, and then treated as a miss whose fresh response overwrites them).
[[nodiscard]] found_entry find_entry(detail::cache_session& session, std::optional<std::string> stored,
                                     const std::vector<std::optional<std::string>>& current, entry_seal seal,
                                     clock::time_point now, const fast_cache::detail::freshness_policy& policy);

/// A fresh response ready to be stored: the entry (its ETag and expiry go into the served
/// headers), its bytes, and the expiry to give the backend.
struct entry_to_store {
  entry stored;
  std::string bytes;
  /// The entry's lifetime and stale windows, or zero ("never expires" to a backend) for an entry
  /// without expires_at.
  duration backend_expire{};
};

/// A fresh response the route decided to store.
struct fresh_response {
  unsigned status = 200;
  std::vector<header_field> headers;
  std::string body;
  /// How long the handler took.
  std::chrono::steady_clock::duration took{};
};

/// Builds what to store for a fresh response, under the versions of its tags
/// (detail::versions_for_store); the backend keeps it through the policy's stale windows.
[[nodiscard]] entry_to_store prepare_store(const store_decision& decision, fresh_response response,
                                           std::vector<std::string> tag_versions, entry_seal seal,
                                           clock::time_point now, const fast_cache::detail::freshness_policy& policy);

}  // namespace fast_cache::http
