// The cpp-httplib adapter: response caching for httplib::Server routes, over the framework-free
// core (fast_cache/http/route_cache.hpp), and Cache::init_app for an httplib::Server.
//
//     fast_cache::cache.init_app(server, std::make_shared<fast_cache::InMemoryBackend>());
//     server.Get("/expensive", fast_cache::cpp_httplib::cache_route({.expire = 60s}, handler));
//
// Link fast_cache::httplib: it carries cpp-httplib's compile definitions (Debian's shared
// library is built with OpenSSL, zlib and Brotli support, which changes its class layouts).
#pragma once

#include <fast_cache/cache.hpp>
#include <fast_cache/http/route_cache.hpp>

#include <httplib.h>

#include <memory>
#include <type_traits>
#include <utility>

// Named after the library rather than `httplib`, which inside namespace fast_cache would hide
// cpp-httplib's own namespace.
namespace fast_cache::cpp_httplib {

using fast_cache::http::route_options;

/// A handler whose responses are cached in a Cache's backend (see fast_cache::http::route_cache
/// for the key, the bypass rules and what is stored):
/// - a hit is answered from the backend with `X-Cache: HIT`, `Cache-Control: max-age=<left>`,
///   its `ETag`, or 304 for a matching `If-None-Match`, without running the handler;
/// - a miss runs the handler, stores a storable response, and answers with `X-Cache: MISS`;
///   responses with a content provider (streamed) are served but never stored;
/// - fail-open: a backend failure (or an undecodable entry) is counted through
///   Cache::record_error and the handler's fresh response is served.
/// Converts to httplib::Server::Handler. Copies share their state; safe to call from several
/// threads, as httplib's thread pool does.
class cached_route {
 public:
  cached_route(route_options options, httplib::Server::Handler inner, Cache& cache);

  void operator()(const httplib::Request& req, httplib::Response& res) const;

  /// Opaque: shared by copies, and by the background refreshes of the route's entries.
  struct state;

 private:
  std::shared_ptr<const state> state_;
};

/// Wraps a handler `void(const httplib::Request&, httplib::Response&)` with response caching in
/// `cache`: `server.Get("/expensive", cache_route(my_cache, {.expire = 60s}, handler))`.
template <class F>
requires std::is_invocable_v<const F&, const httplib::Request&, httplib::Response&> cached_route
cache_route(Cache& cache, route_options options, F handler) {
  return cached_route(std::move(options), httplib::Server::Handler(std::move(handler)), cache);
}

/// As above, in the global fast_cache::cache: `server.Get("/x", cache_route({.expire = 60s}, handler))`.
template <class F>
requires std::is_invocable_v<const F&, const httplib::Request&, httplib::Response&> cached_route
cache_route(route_options options, F handler) {
  return cache_route(fast_cache::cache, std::move(options), std::move(handler));
}

}  // namespace fast_cache::cpp_httplib

// Cache::init_app finds its framework hook by argument-dependent lookup on the application's
// type, and ADL searches the namespace that type lives in: for httplib::Server that is
// `httplib`, so the hook is declared there.
namespace httplib {

/// The hook behind `cache.init_app(server, backend, options)`: closes the cache's backend
/// (Cache::close) when `server.listen()` stops, after the requests in flight have finished.
/// It wraps `server.new_task_queue`, the one shutdown point httplib offers, so a custom task
/// queue must be set before init_app. The cache must outlive the server's listen loop; once it
/// is closed, cached routes run their handlers uncached until init is called again.
void fast_cache_init_app(Server& server, fast_cache::Cache& cache);

}  // namespace httplib
