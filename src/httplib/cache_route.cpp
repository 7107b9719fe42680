#include <fast_cache/http/backend_steps.hpp>
#include <fast_cache/httplib.hpp>

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
  std::optional<std::string_view> operator()(std::string_view name) const {
    const auto it = headers->find(std::string(name));
    if (it == headers->end()) return std::nullopt;
    return std::string_view(it->second);
  }
};

// What the core reads of an httplib request. httplib's `path` and `params` are already decoded,
// so the view is built from the raw target, as the other adapters do, for identical keys; a
// request built by hand (a handler called directly, without a server) has no target.
struct request_parts {
  explicit request_parts(const httplib::Request& req) : find_header{&req.headers} {
    if (req.target.empty()) {
      path = req.path;
      for (const auto& [name, value] : req.params) query.push_back({name, value});
      return;
    }
    const fh::split_target_result target = fh::split_target(req.target);
    path = target.path;
    query = fh::parse_query(target.query);
  }
  request_parts(const request_parts&) = delete;
  request_parts& operator=(const request_parts&) = delete;

  fh::request_view view(const httplib::Request& req) const { return {req.method, path, query, find_header}; }

  std::string_view path;
  std::vector<fh::query_param> query;
  header_finder find_header;
};

// httplib leaves -1 for "the handler set none" and sends 200 then.
unsigned status_of(const httplib::Response& res) { return res.status < 0 ? 200U : static_cast<unsigned>(res.status); }

void replace_header(httplib::Response& res, const std::string& name, std::string value) {
  res.headers.erase(name);
  res.headers.emplace(name, std::move(value));
}

void set_cache_headers(httplib::Response& res, const fh::served_response& served, std::string_view etag) {
  replace_header(res, "X-Cache", std::string(served.x_cache));
  if (served.cache_control.empty()) return;
  replace_header(res, "Cache-Control", served.cache_control);
  replace_header(res, "ETag", std::string(etag));
  if (served.not_modified) {
    res.status = static_cast<int>(served.status);
    res.body.clear();
  }
}

void serve_entry(httplib::Response& res, fh::entry& e, const fh::served_response& served) {
  res.status = static_cast<int>(e.status);
  for (fh::header_field& h : e.headers) res.headers.emplace(std::move(h.name), std::move(h.value));
  res.body = std::move(e.body);
  set_cache_headers(res, served, e.etag);
}

std::vector<fh::header_field> replayable_headers(const httplib::Response& res) {
  std::vector<fh::header_field> out;
  for (const auto& [name, value] : res.headers) {
    if (fh::is_replayable_header(name)) out.push_back({name, value});
  }
  return out;
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
  const std::shared_ptr<Backend> backend = plan.may_store() ? cache.backend() : nullptr;
  if (!backend) {
    s.inner(req, res);
    set_cache_headers(res, s.policy.miss(status_of(res), nullptr, view, fh::clock::now()), {});
    return;
  }

  fast_cache::detail::cache_session session(cache, backend, plan.key);
  if (plan.action == fh::cache_action::lookup) {
    std::optional<std::string> stored = fast_cache::detail::read(session);
    const auto now = fh::clock::now();
    if (std::optional<fh::entry> e = fh::live_entry(session, std::move(stored), now)) {
      session.hit();
      serve_entry(res, *e, s.policy.hit(*e, view, now));
      return;
    }
  }
  session.miss();

  s.inner(req, res);
  const auto now = fh::clock::now();
  const unsigned status = status_of(res);
  // A streamed body is produced while sending, after this returns: there is nothing to store.
  const bool streamed = static_cast<bool>(res.content_provider_);
  if (streamed || !s.policy.storable(status, header_finder{&res.headers})) {
    set_cache_headers(res, s.policy.miss(status, nullptr, view, now), {});
    return;
  }
  fh::entry_to_store store = fh::prepare_store(s.policy, cache, status, replayable_headers(res), res.body, now);
  fast_cache::detail::store(session, std::move(store.bytes), store.backend_expire);
  set_cache_headers(res, s.policy.miss(status, &store.stored, view, now), store.stored.etag);
}

}  // namespace fast_cache::cpp_httplib
