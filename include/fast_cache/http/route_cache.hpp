// The framework-free HTTP response cache: per route, decides the key, whether to read or store,
// and the headers of what is served. Pure (no I/O, the clock is a parameter); an adapter for an
// HTTP framework does the backend calls around it:
//
//     route_cache rc({.expire = 60s});
//     cache_plan plan = rc.plan(request);               // key and action
//     if (plan.action == cache_action::lookup)           // read the backend at plan.key:
//       if (auto e = decode_entry(bytes); e && !is_expired(*e, now))
//         serve rc.hit(*e, request, now)                 // status, headers, body
//     run the handler;
//     if (plan.may_store() && rc.storable(status, response_headers))
//       e = make_entry(...), store encode_entry(e) at plan.key for rc.lifetime(default)
//     send rc.miss(status, stored ? &e : nullptr, request, now)   // X-Cache: MISS headers
#pragma once

#include <fast_cache/expiry.hpp>
#include <fast_cache/http/entry.hpp>
#include <fast_cache/http/request_view.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fast_cache::http {

/// How one route caches its responses. Designated-initialiser friendly:
/// `{.expire = 60s, .namespace_ = "special", .key_builder = ...}`.
struct route_options {
  /// How long responses live; nullopt uses the Cache's default_expire, <= 0 never expires.
  expiry expire{};
  /// Prefixes the route's keys with `<namespace_>:`.
  std::string namespace_{};
  /// Replaces the default key (method, path and sorted query) with the builder's result, e.g.
  /// `[](const request_view& r) { return "custom:" + std::string(r.param("x").value_or("")); }`.
  /// Varying headers are still appended.
  std::function<std::string(const request_view&)> key_builder{};
  /// Request headers whose values are part of the key (case-insensitive names). Naming
  /// Authorization or Cookie makes per-user entries for requests that carry them.
  std::vector<std::string> vary{};
  /// Methods cached besides GET and HEAD (upper case), e.g. {"POST"}.
  std::vector<std::string> methods{};
  /// Whether a client's `Cache-Control: no-cache` skips the read (the fresh response is stored).
  bool allow_no_cache = false;
  /// Which statuses may be stored; empty stores 2xx only.
  std::function<bool(unsigned status)> store_status{};
};

/// What to do with a request.
enum class cache_action {
  pass,     ///< neither read nor store (method not cached, skip_cache, private request)
  lookup,   ///< read the entry; on a miss run the handler and store its response
  refresh,  ///< do not read; run the handler and store its response (client no-cache)
};

struct cache_plan {
  cache_action action = cache_action::pass;
  /// The backend key; empty when action is pass.
  std::string key;

  [[nodiscard]] bool may_store() const noexcept { return action != cache_action::pass; }
};

/// What to send for a request answered by a cached route.
struct served_response {
  /// The status to send: the entry's, or 304 when If-None-Match matched (send no body then).
  unsigned status = 200;
  bool not_modified = false;
  /// "HIT" or "MISS", for X-Cache.
  std::string_view x_cache;
  /// "max-age=<seconds>", for Cache-Control; empty when the response is not cached.
  std::string cache_control;
};

/// The compiled options of one route. Immutable after construction: safe to share across threads.
class route_cache {
 public:
  explicit route_cache(route_options options);

  /// The key and the action for request: `pass` for a method the route does not cache, for
  /// `skip_cache=true` or `skip_cache=1` in the query, and for a request carrying Authorization
  /// or Cookie the route does not vary on; `refresh` for `Cache-Control: no-cache` when allowed;
  /// `lookup` otherwise. HEAD shares GET's entries.
  [[nodiscard]] cache_plan plan(const request_view& request) const;

  /// The default key (without namespace): `<METHOD> <path>?<name=value&...>` with the query
  /// sorted, skip_cache dropped and '%', '&', '=', ';' in names and values escaped; then
  /// `;<header>=<value>` for each varying header present (Authorization and Cookie values hashed,
  /// so no credential is stored in a key).
  [[nodiscard]] std::string default_key(const request_view& request) const;

  /// Whether a fresh response may be stored: an allowed status, and no Set-Cookie,
  /// `Cache-Control: no-store` or `private` in the response headers.
  [[nodiscard]] bool storable(unsigned status, header_lookup response_headers) const;

  /// The lifetime of stored entries, resolved against the Cache's default; nullopt = never expires.
  [[nodiscard]] std::optional<duration> lifetime(expiry default_expire) const noexcept {
    return effective_expiry(options_.expire, default_expire);
  }

  /// A served entry: 304 when the request's If-None-Match matches its ETag, X-Cache HIT, and the
  /// max-age left.
  [[nodiscard]] served_response hit(const entry& e, const request_view& request, clock::time_point now) const;

  /// A fresh response from the handler: X-Cache MISS; when it was stored as `stored`, also the
  /// entry's max-age and a 304 when If-None-Match matches its ETag.
  [[nodiscard]] served_response miss(unsigned status, const entry* stored, const request_view& request,
                                     clock::time_point now) const;

  [[nodiscard]] const route_options& options() const noexcept { return options_; }

 private:
  [[nodiscard]] bool varies_on(std::string_view header) const noexcept;
  [[nodiscard]] bool caches_method(std::string_view method) const noexcept;

  route_options options_;
};

/// Whether a query value turns skip_cache on: "true" (any case) or "1".
[[nodiscard]] bool is_truthy(std::string_view value) noexcept;

}  // namespace fast_cache::http
