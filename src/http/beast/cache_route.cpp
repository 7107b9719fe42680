#include <fast_cache/beast/cache_route.hpp>
#include <fast_cache/http/backend_steps.hpp>

#include <boost/asio/use_awaitable.hpp>

#include <optional>
#include <string>

namespace fast_cache::beast {

namespace fh = fast_cache::http;

struct cached_route::state {
  fh::route_cache policy;
  handler inner;
  Cache* cache;
};

namespace {

struct response_header_finder {
  const response* res;
  std::optional<std::string_view> operator()(std::string_view name) const {
    const auto it = res->find(boost::beast::string_view(name.data(), name.size()));
    if (it == res->end()) return std::nullopt;
    return std::string_view(it->value().data(), it->value().size());
  }
};

void set_cache_headers(response& res, const fh::served_response& served, std::string_view etag) {
  res.set("X-Cache", boost::beast::string_view(served.x_cache.data(), served.x_cache.size()));
  if (served.cache_control.empty()) return;
  res.set(http::field::cache_control, served.cache_control);
  res.set(http::field::etag, boost::beast::string_view(etag.data(), etag.size()));
  if (served.not_modified) {
    res.result(http::status::not_modified);
    res.body().clear();
  }
}

response from_entry(fh::entry& e, const fh::served_response& served, unsigned version) {
  response res(static_cast<http::status>(e.status), version);
  for (const fh::header_field& h : e.headers) res.insert(h.name, h.value);
  res.body() = std::move(e.body);
  set_cache_headers(res, served, e.etag);
  return res;
}

std::vector<fh::header_field> replayable_headers(const response& res) {
  std::vector<fh::header_field> out;
  for (const auto& field : res) {
    const std::string_view name(field.name_string().data(), field.name_string().size());
    if (fh::is_replayable_header(name)) out.push_back({std::string(name), std::string(field.value())});
  }
  return out;
}

}  // namespace

cached_route::cached_route(route_options options, handler inner, Cache* cache)
    : state_(std::make_shared<const state>(state{fh::route_cache(std::move(options)), std::move(inner), cache})) {}

asio::awaitable<response> cached_route::operator()(const request& req) const {
  const std::shared_ptr<const state> keep_alive = state_;
  const state& s = *keep_alive;
  Cache& cache = s.cache != nullptr ? *s.cache : req.cache();
  const fh::request_view view = req.view();
  const fh::cache_plan plan = s.policy.plan(view);
  const std::shared_ptr<Backend> backend = plan.may_store() ? cache.backend() : nullptr;
  if (!backend) {
    response res = co_await s.inner(req);
    set_cache_headers(res, s.policy.miss(res.result_int(), nullptr, view, fh::clock::now()), {});
    co_return res;
  }

  fast_cache::detail::cache_session session(cache, backend, plan.key);
  if (plan.action == fh::cache_action::lookup) {
    std::optional<std::string> stored = co_await fast_cache::detail::async_read<asio::any_io_executor>(session);
    const auto now = fh::clock::now();
    if (std::optional<fh::entry> e = fh::live_entry(session, std::move(stored), now)) {
      session.hit();
      co_return from_entry(*e, s.policy.hit(*e, view, now), req.msg().version());
    }
  }
  session.miss();

  response res = co_await s.inner(req);
  const auto now = fh::clock::now();
  if (!s.policy.storable(res.result_int(), response_header_finder{&res})) {
    set_cache_headers(res, s.policy.miss(res.result_int(), nullptr, view, now), {});
    co_return res;
  }
  fh::entry_to_store store =
      fh::prepare_store(s.policy, cache, res.result_int(), replayable_headers(res), res.body(), now);
  // The response need not wait for its store.
  co_await fast_cache::detail::async_store_in_background<asio::any_io_executor>(session, std::move(store.bytes),
                                                                                store.backend_expire);
  set_cache_headers(res, s.policy.miss(res.result_int(), &store.stored, view, now), store.stored.etag);
  co_return res;
}

}  // namespace fast_cache::beast
