// cache_route: response caching for one Beast route, over the framework-free core.
#pragma once

#include <fast_cache/beast/handler.hpp>
#include <fast_cache/cache.hpp>
#include <fast_cache/http/route_cache.hpp>

#include <memory>
#include <utility>

namespace fast_cache::beast {

using fast_cache::http::route_options;

/// A handler whose responses are cached in a Cache's backend (see fast_cache::http::route_cache
/// for the key, the bypass rules and what is stored):
/// - a hit is answered from the backend with `X-Cache: HIT`, `Cache-Control: max-age=<left>`,
///   its `ETag`, or 304 for a matching `If-None-Match`, without running the handler;
/// - a miss runs the handler, stores a storable response, and answers with `X-Cache: MISS`;
/// - fail-open: a backend failure (or an undecodable entry) is counted through
///   Cache::record_error and the handler's fresh response is served.
/// Copies share their state; safe to call from several threads.
class cached_route {
 public:
  /// Uses `cache` when given, else the request's Cache (the application's).
  cached_route(route_options options, handler inner, Cache* cache = nullptr);

  asio::awaitable<response> operator()(const request& req) const;

  /// Opaque: shared by copies, and by the background refreshes of the route's entries.
  struct state;

 private:
  std::shared_ptr<const state> state_;
};

/// Wraps a handler (see make_handler) with response caching:
/// `app.get("/expensive", cache_route({.expire = 60s}, handler))`.
template <class F>
cached_route cache_route(route_options options, F fn) {
  return cached_route(std::move(options), make_handler(std::move(fn)));
}

/// As above, with an explicit Cache instead of the application's.
template <class F>
cached_route cache_route(Cache& cache, route_options options, F fn) {
  return cached_route(std::move(options), make_handler(std::move(fn)), &cache);
}

}  // namespace fast_cache::beast
