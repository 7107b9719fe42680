// The framework-free HTTP response cache: per route, decides the key, whether to read or store,
// and the headers of what is served. Pure (no I/O, the clock is a parameter); an adapter for an
// HTTP framework does the backend calls around it (see backend_steps.hpp and the Beast and
// cpp-httplib adapters):
//
//     route_cache rc({.expire = 60s});
//     cache_plan plan = rc.plan(request);                 // key and action
//     if (plan.action == cache_action::lookup)             // read the backend at plan.key:
//       if (decoded = decode_entry(bytes, seal); live)     //   validated, authenticated
//         serve rc.hit(entry, request, now)                 // status, headers, body
//     run the handler;
//     if (plan.may_store() && (d = rc.decide_store(status, response_headers, default)).store)
//       store encode_entry(make_entry(..., d.lifetime), seal) at plan.key
//     send rc.miss(status, response_headers, stored ? &e : nullptr, request, now)
#pragma once

#include <fast_cache/detail/freshness.hpp>
#include <fast_cache/expiry.hpp>
#include <fast_cache/http/entry.hpp>
#include <fast_cache/http/request_view.hpp>
#include <fast_cache/key.hpp>
#include <fast_cache/lock_options.hpp>

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
  /// Keeps the route's keys apart from other routes' with the same keys.
  std::string namespace_{};
  /// Replaces the default key (method, path, query and, for methods with a body, the body's
  /// digest) with the builder's result, e.g.
  /// `[](const request_view& r) { return "custom:" + std::string(r.param("x").value_or("")); }`.
  /// The result identifies the entry within the namespace; varying headers are still appended.
  /// A builder for a method with a body is given the body (request_view::body) and decides.
  std::function<std::string(const request_view&)> key_builder{};
  /// Request headers whose values are part of the key (case-insensitive names), sent as `Vary`.
  /// Naming Authorization or Cookie makes per-user entries for requests that carry them, sent
  /// `Cache-Control: private`.
  std::vector<std::string> vary{};
  /// Methods cached besides GET and HEAD (upper case), e.g. {"POST"}.
  std::vector<std::string> methods{};
  /// Whether a client's `Cache-Control: no-cache` skips the read (the fresh response is stored).
  bool allow_no_cache = false;
  /// Which statuses may be stored; empty stores 200, 203 and 204 only (not 201 Created or 202
  /// Accepted, which report an action, nor 206 Partial Content).
  std::function<bool(unsigned status)> store_status{};
  /// Runs the handler once per missed key across every process sharing the backend: the others
  /// wait for its stored response (see fast_cache::lock_options). Responses that are not stored
  /// (a status not stored, `no-store`) release the lock at once, and the waiters run the handler.
  std::optional<lock_options> lock{};
  /// The tags of a response, from the request: Cache::invalidate_tags on any of them makes the
  /// entry a miss in every process sharing the backend, as for cached() functions, e.g.
  /// `[](const request_view& r) { return std::vector<std::string>{"user:" + std::string(r.param("id").value_or(""))};
  /// }`.
  std::function<std::vector<std::string>(const request_view&)> tags{};
  /// For this long after an entry goes stale, a request is answered with it at once (`X-Cache:
  /// STALE`, an `Age`, `Cache-Control: max-age=0, stale-while-revalidate=<seconds left>`) while
  /// the handler runs in the background, once per key in this process, to refresh it.
  duration stale_while_revalidate{0};
  /// For this long after an entry goes stale, a request whose handler fails (throws, or answers a
  /// status `failure_status` accepts) is answered with the stale entry (`X-Cache: STALE`).
  duration stale_if_error{0};
  /// Which statuses count as a failed handler for stale_if_error; empty = 500 and above.
  std::function<bool(unsigned status)> failure_status{};
  /// Probabilistic early refresh (XFetch), as cached_options::early_refresh_beta: a hit refreshes
  /// the entry in the background before it expires.
  double early_refresh_beta = 0;
};

/// What to do with a request.
enum class cache_action {
  pass,     ///< neither read nor store (method not cached, skip_cache, private request)
  lookup,   ///< read the entry; on a miss run the handler and store its response
  refresh,  ///< do not read; run the handler and store its response (client no-cache)
};

/// Route keys start with this: a key space of their own, which the keys of cached() functions
/// (whose escaped parts never hold `%h`) cannot reach, nor a key written by hand by accident.
inline constexpr std::string_view route_key_prefix = "%http:";

struct cache_plan {
  cache_action action = cache_action::pass;
  /// The backend key; empty when action is pass.
  std::string key;
  /// False when the request forbids storing (`Cache-Control: no-store`): it may still be served.
  bool store = true;
  /// The keys of the versions of the request's tags (route_options::tags), read with the entry.
  std::vector<std::string> tag_keys{};

  [[nodiscard]] bool uses_backend() const noexcept { return action != cache_action::pass; }
  [[nodiscard]] bool may_store() const noexcept { return uses_backend() && store; }
};

/// Whether a fresh response is stored, and for how long.
struct store_decision {
  bool store = false;
  /// The entry's lifetime: the route's, shortened to the handler's own `s-maxage` (else
  /// `max-age`) when that is shorter; nullopt = never expires.
  std::optional<duration> lifetime;
};

/// The headers fast_cache sets on a response of a cached route.
struct served_response {
  /// The status to send: the entry's, or 304 when If-None-Match matched (send no body then).
  unsigned status = 200;
  bool not_modified = false;
  /// "HIT", "STALE" or "MISS", for X-Cache.
  std::string_view x_cache;
  /// Cache-Control to set; empty keeps what the response has (the handler's own directives, or
  /// nothing for a response that was not cached).
  std::string cache_control;
  /// ETag to set; empty when the response was not cached.
  std::string etag;
  /// Age to set (seconds since stored), on hits that replay the handler's own Cache-Control,
  /// whose max-age counts from when it was stored.
  std::optional<std::int64_t> age;
  /// Vary to set: the route's varying headers and the response's own; empty when neither has any.
  std::string vary;
};

/// The compiled options of one route. Immutable after construction: safe to share across threads.
class route_cache {
 public:
  explicit route_cache(route_options options);

  /// The key and the action for request: `pass` for a method the route does not cache, for
  /// `skip_cache=true` or `skip_cache=1` in the query, and for a request carrying Authorization
  /// or Cookie the route does not vary on; `refresh` for `Cache-Control: no-cache` when allowed;
  /// `lookup` otherwise. HEAD shares GET's entries. The key is route_key_prefix, the escaped
  /// namespace (see escape_key_part), ':', then the key_builder's result followed by the varying
  /// headers, or default_key.
  [[nodiscard]] cache_plan plan(const request_view& request) const;

  /// The default key (without prefix and namespace): `<METHOD> <path>?<name=value&...>` with the
  /// parameters sorted by name (same-name parameters keep their order, as a handler reading the
  /// first one sees them), skip_cache dropped and '%', '&', '=', ';', '#', '?' in the parts escaped;
  /// then `;<header>=<value>` for each varying header present (all its fields; Authorization and
  /// Cookie values hashed, so no credential is stored in a key); then, for a method other than
  /// GET and HEAD, `#<digest of the body>`.
  [[nodiscard]] std::string default_key(const request_view& request) const;

  /// Whether and how long to store a fresh response: an allowed status (store_status); no Set-Cookie; no
  /// `no-store`, `private` or `no-cache` in any Cache-Control field; a Vary naming only headers
  /// the route varies on (never `*`); a freshness of its own (s-maxage, max-age) above zero.
  [[nodiscard]] store_decision decide_store(unsigned status, header_lookup response_headers,
                                            expiry default_expire) const;

  /// A served entry: 304 when the entry is a 2xx and the request's If-None-Match matches its
  /// ETag, X-Cache HIT, the freshness left (and the stale windows the route gives). A `stale`
  /// entry (stale-while-revalidate, stale-if-error) goes out as X-Cache STALE with `max-age=0`.
  [[nodiscard]] served_response hit(const entry& e, const request_view& request, clock::time_point now,
                                    bool stale = false) const;

  /// The route's stale windows and early-refresh factor.
  [[nodiscard]] const fast_cache::detail::freshness_policy& freshness() const noexcept { return freshness_; }
  /// Whether a handler's status counts as a failure (route_options::failure_status).
  [[nodiscard]] bool is_failure(unsigned status) const;

  /// A fresh response from the handler, with its headers: X-Cache MISS; when it was stored as
  /// `stored`, also the entry's freshness and ETag, and a 304 when If-None-Match matches.
  [[nodiscard]] served_response miss(unsigned status, header_lookup response_headers, const entry* stored,
                                     const request_view& request, clock::time_point now) const;

  [[nodiscard]] const route_options& options() const noexcept { return options_; }

 private:
  [[nodiscard]] bool varies_on(std::string_view header) const noexcept;
  [[nodiscard]] bool caches_method(std::string_view method) const noexcept;
  void append_default_key(std::string& key, const request_view& request) const;
  [[nodiscard]] std::string merged_vary(header_lookup response_headers) const;
  [[nodiscard]] served_response served(const entry& e, header_lookup headers, const request_view& request,
                                       clock::time_point now, bool replayed, bool stale) const;

  route_options options_;
  // options_.vary lower-cased, for keys that do not depend on how the route spelled a name.
  std::vector<std::string> vary_lower_;
  bool varies_on_credentials_ = false;
  fast_cache::detail::freshness_policy freshness_;
};

/// Whether a query value turns skip_cache on: "true" (any case) or "1".
[[nodiscard]] bool is_truthy(std::string_view value) noexcept;

}  // namespace fast_cache::http
