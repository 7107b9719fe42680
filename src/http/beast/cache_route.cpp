#include <fast_cache/beast/cache_route.hpp>
#include <fast_cache/beast/response_cache.hpp>

namespace fast_cache::beast {

struct cached_route::state {
  fast_cache::http::route_cache policy;
  handler inner;
  Cache* cache;
};

namespace {

// The route's handler on the request, as serve_cached's producer.
struct run_handler {
  const handler* inner;
  const request* req;
  asio::awaitable<response> operator()() const { return (*inner)(*req); }
};

// The same on a copy of the request, for a background refresh that outlives it.
struct run_handler_owned {
  std::shared_ptr<const cached_route::state> route;
  std::shared_ptr<const request> req;
  asio::awaitable<response> operator()() const { return route->inner(*req); }
};
struct copy_for_refresh {
  std::shared_ptr<const cached_route::state> route;
  const request* req;
  run_handler_owned operator()() const { return {route, req->clone()}; }
};

}  // namespace

cached_route::cached_route(route_options options, handler inner, Cache* cache)
    : state_(std::make_shared<const state>(
          state{fast_cache::http::route_cache(std::move(options)), std::move(inner), cache})) {}

asio::awaitable<response> cached_route::operator()(const request& req) const {
  const std::shared_ptr<const state> keep_alive = state_;
  const state& s = *keep_alive;
  Cache& cache = s.cache != nullptr ? *s.cache : req.cache();
  const std::shared_ptr<const fast_cache::http::route_cache> policy(keep_alive, &s.policy);
  // Named, not temporaries of the co_await expression: g++ 12 destroys those twice (DESIGN.md §4).
  const run_handler produce{&s.inner, &req};
  const copy_for_refresh owned{keep_alive, &req};
  co_return co_await detail::serve_cached<response>(cache, policy, req.view(), req.msg().version(), produce, owned);
}

}  // namespace fast_cache::beast
