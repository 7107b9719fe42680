#include <fast_cache/detail/stampede_lock.hpp>
#include <fast_cache/detail/tag_versions.hpp>
#include <fast_cache/http/backend_steps.hpp>
#include <fast_cache/httplib.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fast_cache::cpp_httplib {

namespace fh = fast_cache::http;

struct cached_route::state {
  fh::route_cache policy;
  httplib::Server::Handler inner;
  Cache* cache;
};

namespace {

// httplib::Headers is a case-insensitive multimap, but its comparator is not transparent.
struct header_finder {
  const httplib::Headers* headers;
  void operator()(std::string_view name, const fh::field_sink& sink) const {
    const auto [first, last] = headers->equal_range(std::string(name));
    for (auto it = first; it != last; ++it) sink(it->second);
  }
};

// What the core reads of an httplib request: the path and parameters exactly as its handler
// reads them (httplib's own decoding; `params` is a multimap ordered by name that keeps
// same-name values in request order), so that two requests a handler cannot tell apart share
// an entry and two it can never do.
struct request_parts {
  explicit request_parts(const httplib::Request& req) : find_header{&req.headers} {
    query.reserve(req.params.size());
    for (const auto& [name, value] : req.params) query.push_back({name, value});
  }
  request_parts(const request_parts&) = delete;
  request_parts& operator=(const request_parts&) = delete;

  fh::request_view view(const httplib::Request& req) const {
    return {.method = req.method, .path = req.path, .query = query, .headers = find_header, .body = req.body};
  }

  std::vector<fh::query_param> query;
  header_finder find_header;
};

// httplib leaves -1 for "the handler set none" and sends 200 then.
unsigned status_of(const httplib::Response& res) { return res.status < 0 ? 200U : static_cast<unsigned>(res.status); }

void replace_header(httplib::Response& res, const std::string& name, std::string value) {
  res.headers.erase(name);
  res.headers.emplace(name, std::move(value));
}

void set_cache_headers(httplib::Response& res, const fh::served_response& served) {
  replace_header(res, "X-Cache", std::string(served.x_cache));
  if (!served.vary.empty()) replace_header(res, "Vary", served.vary);
  if (!served.cache_control.empty()) replace_header(res, "Cache-Control", served.cache_control);
  if (served.age) replace_header(res, "Age", std::to_string(*served.age));
  if (!served.etag.empty()) replace_header(res, "ETag", served.etag);
  if (served.not_modified) {
    res.status = static_cast<int>(served.status);
    res.body.clear();
  }
}

void serve_entry(httplib::Response& res, fh::entry& e, const fh::served_response& served) {
  res.status = static_cast<int>(e.status);
  for (fh::header_field& h : e.headers) res.headers.emplace(std::move(h.name), std::move(h.value));
  res.body = std::move(e.body);
  set_cache_headers(res, served);
}

std::vector<fh::header_field> replayable_headers(const httplib::Response& res) {
  std::vector<fh::header_field> out;
  for (const auto& [name, value] : res.headers) {
    if (fh::is_replayable_header(name)) out.push_back({name, value});
  }
  return out;
}

// Stores a fresh response when the route decides so: the versions of its tags first, then the
// entry; releases `lock_token` after. The stored entry, or nullopt.
std::optional<fh::entry> store_response(Cache& cache, const fh::route_cache& policy, const fh::cache_plan& plan,
                                        fast_cache::detail::cache_session& session, const httplib::Response& res,
                                        std::vector<std::optional<std::string>> versions,
                                        std::chrono::steady_clock::duration took,
                                        const std::optional<std::string>& lock_token) {
  const unsigned status = status_of(res);
  // A streamed body is produced while sending, after this returns: there is nothing to store.
  const bool streamed = static_cast<bool>(res.content_provider_);
  const fh::store_decision decision =
      plan.may_store() && !streamed ? policy.decide_store(status, header_finder{&res.headers}, cache.default_expire())
                                    : fh::store_decision{};
  std::optional<std::vector<std::string>> tag_versions;
  if (decision.store)
    tag_versions = fast_cache::detail::versions_for_store(session, plan.tag_keys, std::move(versions));
  std::optional<fh::entry> stored;
  if (tag_versions) {
    const fh::entry_sealing sealing(cache, plan);
    fh::entry_to_store store =
        fh::prepare_store(decision, {status, replayable_headers(res), res.body, took}, std::move(*tag_versions),
                          sealing.seal(), cache.now(), policy.freshness());
    fast_cache::detail::store(session, std::move(store.bytes), store.backend_expire);
    stored = std::move(store.stored);
  }
  if (lock_token) fast_cache::detail::release_lock(session, *lock_token);  // after the store: waiters find it
  return stored;
}

// Refreshes a route's entry on the Cache's refresh threads (stale-while-revalidate, early
// refresh), once per key, with a copy of the request: the request is answered before it runs.
// The copy carries no `matches` (they point into the original's path); `path_params` it carries.
void refresh_in_background(const std::shared_ptr<const cached_route::state>& route,
                           fast_cache::detail::cache_session& session, const fh::cache_plan& plan,
                           const std::vector<std::optional<std::string>>& versions, const httplib::Request& req) {
  std::optional<fast_cache::detail::refresh_guard> refresh = session.begin_refresh();
  if (!refresh) return;
  // Copies, as the request is answered before the refresh runs. Shared, as std::function copies
  // what it holds; the refresh ends when the work is done with.
  auto guard = std::make_shared<fast_cache::detail::refresh_guard>(std::move(*refresh));
  auto copy = std::make_shared<httplib::Request>(req);
  copy->matches = {};
  fast_cache::detail::cache_session::run_in_background(*route->cache, [self = route, backend = session.backend_ptr(),
                                                                       plan, versions, copy, guard]() {
    fast_cache::detail::cache_session refreshing(*self->cache, backend, plan.key);
    httplib::Response res;
    const auto started = std::chrono::steady_clock::now();
    try {
      self->inner(*copy, res);
    } catch (...) {
      refreshing.refresh_finished(false);
      return;
    }
    if (self->policy.is_failure(status_of(res))) {
      refreshing.refresh_finished(false);
      return;
    }
    const auto took = std::chrono::steady_clock::now() - started;
    refreshing.refresh_finished(
        store_response(*self->cache, self->policy, plan, refreshing, res, versions, took, std::nullopt).has_value());
  });
}

}  // namespace

cached_route::cached_route(route_options options, httplib::Server::Handler inner, Cache& cache)
    : state_(std::make_shared<const state>(state{fh::route_cache(std::move(options)), std::move(inner), &cache})) {}

void cached_route::operator()(const httplib::Request& req, httplib::Response& res) const {
  const state& s = *state_;
  Cache& cache = *s.cache;
  const request_parts parts(req);
  const fh::request_view view = parts.view(req);
  const fh::cache_plan plan = s.policy.plan(view);
  const header_finder response_headers{&res.headers};
  const std::shared_ptr<Backend> backend = plan.uses_backend() ? cache.backend() : nullptr;
  if (!backend) {
    s.inner(req, res);
    set_cache_headers(res, s.policy.miss(status_of(res), response_headers, nullptr, view, cache.now()));
    return;
  }

  const fh::entry_sealing sealing(cache, plan);
  fast_cache::detail::cache_session session(cache, backend, plan.key);
  std::optional<std::string> lock_token;
  // A refresh of a tagged route reads too: its tags' versions are what its response is stored under.
  fast_cache::detail::tagged_read got;
  if (plan.action == fh::cache_action::lookup || !plan.tag_keys.empty()) {
    got = fast_cache::detail::read_tagged(session, plan.tag_keys);
  }
  fh::found_entry found;
  if (plan.action == fh::cache_action::lookup) {
    const auto now = cache.now();
    found = fh::find_entry(session, std::move(got.stored), got.versions, sealing.seal(), now, s.policy.freshness());
    if (found.serves()) {
      session.served(found.verdict);
      if (found.refreshes()) refresh_in_background(state_, session, plan, got.versions, req);
      serve_entry(res, *found.value, s.policy.hit(*found.value, view, now, found.stale()));
      return;
    }
    session.miss();
    if (const auto& lock = s.policy.options().lock) {
      fast_cache::detail::lock_outcome locked = fast_cache::detail::lock_or_wait(session, *lock);
      const auto then = cache.now();
      fh::found_entry theirs =
          fh::find_entry(session, std::move(locked.stored), got.versions, sealing.seal(), then, s.policy.freshness());
      if (theirs.value) {
        serve_entry(res, *theirs.value, s.policy.hit(*theirs.value, view, then));
        return;
      }
      lock_token = std::move(locked.token);
    }
  } else {
    session.miss();
  }

  const auto started = std::chrono::steady_clock::now();
  try {
    s.inner(req, res);
  } catch (...) {
    if (lock_token) fast_cache::detail::release_lock(session, *lock_token);  // the waiters go on at once
    if (!found.has_fallback()) throw;
    res = httplib::Response();
    session.stale_if_error();
    serve_entry(res, *found.value, s.policy.hit(*found.value, view, cache.now(), true));
    return;
  }
  if (found.has_fallback() && s.policy.is_failure(status_of(res))) {
    if (lock_token) fast_cache::detail::release_lock(session, *lock_token);
    res = httplib::Response();
    session.stale_if_error();
    serve_entry(res, *found.value, s.policy.hit(*found.value, view, cache.now(), true));
    return;
  }
  const auto took = std::chrono::steady_clock::now() - started;
  const std::optional<fh::entry> stored =
      store_response(cache, s.policy, plan, session, res, std::move(got.versions), took, lock_token);
  set_cache_headers(res,
                    s.policy.miss(status_of(res), response_headers, stored ? &*stored : nullptr, view, cache.now()));
}

}  // namespace fast_cache::cpp_httplib
