// response_cache: response caching for any Boost.Beast server, over the framework-free core.
// Needs only Beast messages: a server of one's own (Beast's examples, a framework on Beast) caches
// a handler with the options of fast_cache::beast::app's cache_route.
#pragma once

#include <fast_cache/cache.hpp>
#include <fast_cache/cached_function.hpp>
#include <fast_cache/detail/cache_session.hpp>
#include <fast_cache/detail/callable_traits.hpp>
#include <fast_cache/detail/stampede_lock.hpp>
#include <fast_cache/detail/tag_versions.hpp>
#include <fast_cache/http/backend_steps.hpp>
#include <fast_cache/http/route_cache.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/message.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace fast_cache::beast {

namespace asio = boost::asio;
namespace http = boost::beast::http;

using fast_cache::http::route_options;

namespace detail {

namespace fh = fast_cache::http;

// Bodies held as contiguous bytes (string_body, vector_body<char>): what can be keyed and stored.
template <class V>
concept byte_container = requires(const V& v) {
  v.data();
  v.size();
}
&&sizeof(typename V::value_type) == 1;

template <class V>
std::string_view body_bytes(const V& value) noexcept {
  if constexpr (byte_container<V>) {
    return {reinterpret_cast<const char*>(value.data()), value.size()};
  } else {
    return {};  // empty_body and the like: nothing to key
  }
}

template <class V>
void assign_body(V& value, std::string&& bytes) {
  if constexpr (std::is_same_v<V, std::string>) {
    value = std::move(bytes);
  } else {
    value.assign(bytes.begin(), bytes.end());
  }
}

// Every field of a name in a Beast header, in order (header_lookup's adapter form).
template <class Fields>
struct fields_lookup {
  const Fields* fields;
  void operator()(std::string_view name, const fh::field_sink& sink) const {
    const auto range = fields->equal_range(boost::beast::string_view(name.data(), name.size()));
    for (auto it = range.first; it != range.second; ++it)
      sink(std::string_view(it->value().data(), it->value().size()));
  }
};

// What the core reads of a Beast request: its target parsed once. Views point into the request
// and into this object, so it stays where it was made.
class request_parts {
 public:
  template <class Body, class Fields>
  explicit request_parts(const http::request<Body, Fields>& req)
      : method_(req.method_string().data(), req.method_string().size()),
        body_(body_bytes(req.body())),
        find_{static_cast<const void*>(&req.base()), &find_fields<Fields>} {
    const std::string_view target(req.target().data(), req.target().size());
    const fh::split_target_result parts = fh::split_target(target);
    path_ = parts.path;
    if (!parts.query.empty()) query_ = fh::parse_query(parts.query);
  }
  request_parts(const request_parts&) = delete;
  request_parts& operator=(const request_parts&) = delete;

  [[nodiscard]] fh::request_view view() const noexcept {
    return {.method = method_, .path = path_, .query = query_, .headers = fh::header_lookup(find_), .body = body_};
  }

 private:
  template <class Fields>
  static void find_fields(const void* fields, std::string_view name, const fh::field_sink& sink) {
    fields_lookup<Fields>{static_cast<const Fields*>(fields)}(name, sink);
  }
  struct erased_lookup {
    const void* fields;
    void (*find)(const void*, std::string_view, const fh::field_sink&);
    void operator()(std::string_view name, const fh::field_sink& sink) const { find(fields, name, sink); }
  };

  std::string_view method_;
  std::string_view path_;
  std::string_view body_;
  std::vector<fh::query_param> query_;
  erased_lookup find_;
};

// Where a response's own headers come from, for set_cache_headers.
enum class own_headers {
  handler,  // anything the handler set: each cache header replaces a field of its name
  stored,   // an entry's, all replayable: X-Cache, Age and ETag cannot be among them
};

template <class Body, class Fields>
void set_cache_headers(http::response<Body, Fields>& res, const fh::served_response& served, own_headers own) {
  // set() looks up and erases a field of the name first; a hit adds X-Cache, Age and ETag
  // without that lookup.
  const auto put = [&](auto name, boost::beast::string_view value) {
    if (own == own_headers::stored) {
      res.insert(name, value);
    } else {
      res.set(name, value);
    }
  };
  put("X-Cache", boost::beast::string_view(served.x_cache.data(), served.x_cache.size()));
  if (!served.vary.empty()) res.set(http::field::vary, served.vary);
  if (!served.cache_control.empty()) res.set(http::field::cache_control, served.cache_control);
  if (served.age) put(http::field::age, std::to_string(*served.age));
  if (!served.etag.empty()) put(http::field::etag, served.etag);
  if (served.not_modified) {
    res.result(http::status::not_modified);
    res.body() = {};
  }
}

template <class Response>
Response from_entry(fh::entry& e, const fh::served_response& served, unsigned version) {
  Response res(static_cast<http::status>(e.status), version);
  for (const fh::header_field& h : e.headers) res.insert(h.name, h.value);
  assign_body(res.body(), std::move(e.body));
  set_cache_headers(res, served, own_headers::stored);
  return res;
}

template <class Body, class Fields>
std::vector<fh::header_field> replayable_headers(const http::response<Body, Fields>& res) {
  std::vector<fh::header_field> out;
  for (const auto& field : res) {
    const std::string_view name(field.name_string().data(), field.name_string().size());
    if (fh::is_replayable_header(name)) out.push_back({std::string(name), std::string(field.value())});
  }
  return out;
}

/// Stores a fresh response when the route decides so: the versions of its tags first
/// (versions_for_store), then the entry, in the background; releases `lock_token` once stored
/// (or at once when nothing is). The stored entry, or nullopt.
template <class Response>
asio::awaitable<std::optional<fh::entry>> store_response(
    Cache& cache, const fh::route_cache& policy, const fh::cache_plan& plan, fast_cache::detail::cache_session& session,
    const Response& res, std::vector<std::optional<std::string>> versions, std::chrono::steady_clock::duration took,
    std::optional<std::string> lock_token) {
  const auto now = cache.now();
  const fields_lookup<typename Response::fields_type> response_fields{&res.base()};
  const fh::store_decision decision =
      plan.may_store() ? policy.decide_store(res.result_int(), response_fields, cache.default_expire())
                       : fh::store_decision{};
  std::optional<std::vector<std::string>> tag_versions;
  if (decision.store) {
    tag_versions = co_await fast_cache::detail::async_versions_for_store<asio::any_io_executor>(session, plan.tag_keys,
                                                                                                std::move(versions));
  }
  if (!tag_versions) {
    if (lock_token) co_await fast_cache::detail::async_release_lock<asio::any_io_executor>(session, *lock_token);
    co_return std::nullopt;
  }
  const fh::entry_sealing sealing(cache, plan);
  fh::fresh_response fresh;
  fresh.status = res.result_int();
  fresh.headers = replayable_headers(res);
  fresh.body = std::string(body_bytes(res.body()));
  fresh.took = took;
  fh::entry_to_store store =
      fh::prepare_store(decision, std::move(fresh), std::move(*tag_versions), sealing.seal(), now, policy.freshness());
  // The response need not wait for its store, nor for the lock's release that follows it.
  co_await fast_cache::detail::async_store_in_background<asio::any_io_executor>(
      session, std::move(store.bytes), store.backend_expire, std::move(lock_token));
  co_return std::move(store.stored);
}

/// Refreshes a route's entry in the background (stale-while-revalidate, early refresh):
/// `produce` owns copies of the handler and the request, as the response that found the entry
/// stale has long been sent.
template <class Response, class OwnedProduce>
asio::awaitable<void> refresh_route(Cache& cache, std::shared_ptr<const fh::route_cache> policy,
                                    std::shared_ptr<Backend> backend, fh::cache_plan plan,
                                    std::vector<std::optional<std::string>> versions,
                                    [[maybe_unused]] fast_cache::detail::refresh_guard guard,  // held until done
                                    OwnedProduce produce) {
  fast_cache::detail::cache_session session(cache, std::move(backend), plan.key);
  const auto started = std::chrono::steady_clock::now();
  std::optional<Response> fresh;
  try {
    fresh.emplace(co_await produce());
  } catch (...) {
    // Counted below; the stale entry stays until its windows end.
  }
  if (!fresh || policy->is_failure(fresh->result_int())) {
    session.refresh_finished(false);
    co_return;
  }
  const auto took = std::chrono::steady_clock::now() - started;
  const std::optional<fh::entry> stored =
      co_await store_response(cache, *policy, plan, session, *fresh, std::move(versions), took, std::nullopt);
  session.refresh_finished(stored.has_value());
}

/// The whole of a cached response: plan, read, serve a hit, or run `produce` (a callable returning
/// `asio::awaitable<Response>`) and store what it made in the background. Serving a stale or
/// nearly expired entry spawns refresh_route with what `owned_produce()` returns. A failed
/// handler is answered with a stale entry within stale_if_error. Fail-open: a backend failure or
/// a refused entry is counted (Cache::record_error) and the fresh response served.
template <class Response, class Produce, class MakeOwnedProduce>
asio::awaitable<Response> serve_cached(Cache& cache, std::shared_ptr<const fh::route_cache> policy,
                                       fh::request_view view, unsigned version, Produce produce,
                                       MakeOwnedProduce owned_produce) {
  const fh::cache_plan plan = policy->plan(view);
  const std::shared_ptr<Backend> backend = plan.uses_backend() ? cache.backend() : nullptr;
  if (!backend) {
    Response res = co_await produce();
    const fh::served_response served = policy->miss(
        res.result_int(), fields_lookup<typename Response::fields_type>{&res.base()}, nullptr, view, cache.now());
    set_cache_headers(res, served, own_headers::handler);
    co_return res;
  }

  const fh::entry_sealing sealing(cache, plan);
  fast_cache::detail::cache_session session(cache, backend, plan.key);
  std::optional<std::string> lock_token;
  // A refresh of a tagged route reads too: its tags' versions are what its response is stored under.
  fast_cache::detail::tagged_read got;
  if (plan.action == fh::cache_action::lookup || !plan.tag_keys.empty()) {
    got = co_await fast_cache::detail::async_read_tagged<asio::any_io_executor>(session, plan.tag_keys);
  }
  fh::found_entry found;
  if (plan.action == fh::cache_action::lookup) {
    const auto now = cache.now();
    found = fh::find_entry(session, std::move(got.stored), got.versions, sealing.seal(), now, policy->freshness());
    if (found.serves()) {
      session.served(found.verdict);
      std::optional<fast_cache::detail::refresh_guard> refresh =
          found.refreshes() ? session.begin_refresh() : std::nullopt;
      if (refresh) {
        const auto ex = co_await asio::this_coro::executor;
        asio::co_spawn(
            ex,
            refresh_route<Response>(cache, policy, backend, plan, got.versions, std::move(*refresh), owned_produce()),
            asio::detached);
      }
      co_return from_entry<Response>(*found.value, policy->hit(*found.value, view, now, found.stale()), version);
    }
    session.miss();
    if (policy->options().lock) {
      fast_cache::detail::lock_outcome locked =
          co_await fast_cache::detail::async_lock_or_wait<asio::any_io_executor>(session, *policy->options().lock);
      const auto then = cache.now();
      fh::found_entry theirs =
          fh::find_entry(session, std::move(locked.stored), got.versions, sealing.seal(), then, policy->freshness());
      if (theirs.value) co_return from_entry<Response>(*theirs.value, policy->hit(*theirs.value, view, then), version);
      lock_token = std::move(locked.token);
    }
  } else {
    session.miss();
  }

  const auto started = std::chrono::steady_clock::now();
  std::optional<Response> produced;
  std::exception_ptr failure;
  try {
    produced.emplace(co_await produce());
  } catch (...) {
    failure = std::current_exception();
  }
  const bool failed = failure || policy->is_failure(produced->result_int());
  if (failed && found.has_fallback()) {
    if (lock_token) co_await fast_cache::detail::async_release_lock<asio::any_io_executor>(session, *lock_token);
    session.stale_if_error();
    co_return from_entry<Response>(*found.value, policy->hit(*found.value, view, cache.now(), true), version);
  }
  if (failure) {
    // The waiters go on at once rather than at the lease's end.
    if (lock_token) co_await fast_cache::detail::async_release_lock<asio::any_io_executor>(session, *lock_token);
    std::rethrow_exception(failure);
  }
  Response res = std::move(*produced);
  const auto took = std::chrono::steady_clock::now() - started;
  const std::optional<fh::entry> stored =
      co_await store_response(cache, *policy, plan, session, res, std::move(got.versions), took, std::move(lock_token));
  const fields_lookup<typename Response::fields_type> response_fields{&res.base()};
  const fh::served_response served =
      policy->miss(res.result_int(), response_fields, stored ? &*stored : nullptr, view, cache.now());
  set_cache_headers(res, served, own_headers::handler);
  co_return res;
}

template <class Handler, class Request>
using handler_result = std::invoke_result_t<Handler&, const Request&>;

// The response type a handler returns, directly or as an awaitable.
template <class Handler, class Request>
using handler_response = typename fast_cache::detail::awaitable_traits<handler_result<Handler, Request>>::value_type;

// The fresh response from a user's handler, sync or coroutine, as an awaitable. Named function
// objects rather than lambdas: g++ 12 mishandles lambda captures in coroutine frames (PR 100611).
template <class Handler, class Request>
struct invoke_awaitable {
  Handler* handler;
  const Request* req;
  auto operator()() const { return (*handler)(*req); }
};
template <class Handler, class Request, class Response>
struct invoke_sync {
  Handler* handler;
  const Request* req;
  asio::awaitable<Response> operator()() const { co_return (*handler)(*req); }
};

// The handler on its own copy of the request, for a refresh that outlives the request.
template <class Handler, class Request, class Response>
struct invoke_owned {
  Handler handler;
  std::shared_ptr<const Request> req;
  asio::awaitable<Response> operator()() const {
    if constexpr (std::is_same_v<handler_result<Handler, Request>, Response>) {
      co_return handler(*req);
    } else {
      co_return co_await handler(*req);
    }
  }
};
template <class Handler, class Request, class Response>
struct copy_for_refresh {
  const Handler* handler;
  const Request* req;
  invoke_owned<Handler, Request, Response> operator()() const {
    return {*handler, std::make_shared<const Request>(*req)};
  }
};

}  // namespace detail

/// Response caching for any Boost.Beast server: wrap a handler's call, with the options of
/// cache_route (see fast_cache::http::route_cache for the key, the bypass rules and what is
/// stored). The handler takes the request and returns an `http::response<Body, Fields>` (Body
/// a string_body or vector_body, or anything holding contiguous bytes), directly or as an
/// `asio::awaitable`:
///
///     fast_cache::beast::response_cache products({.expire = 60s});
///     http::response<http::string_body> res = co_await products(req, make_products);
///
/// The request must outlive the co_await. Copies share their state; safe from several threads.
class response_cache {
 public:
  /// Caches in `cache`, or in the global fast_cache::cache when none is given.
  explicit response_cache(route_options options, Cache& cache = fast_cache::cache)
      : state_(std::make_shared<const state>(fast_cache::http::route_cache(std::move(options)), &cache)) {}

  template <class Body, class Fields, class Handler>
  auto operator()(const http::request<Body, Fields>& req, Handler handler) const
      -> asio::awaitable<detail::handler_response<Handler, http::request<Body, Fields>>> {
    using request_type = http::request<Body, Fields>;
    using result = detail::handler_result<Handler, request_type>;
    using response_type = detail::handler_response<Handler, request_type>;
    const std::shared_ptr<const state> keep_alive = state_;
    const std::shared_ptr<const fast_cache::http::route_cache> policy(keep_alive, &keep_alive->policy);
    const detail::request_parts parts(req);
    const detail::copy_for_refresh<Handler, request_type, response_type> owned{&handler, &req};
    if constexpr (std::is_same_v<result, response_type>) {
      const detail::invoke_sync<Handler, request_type, response_type> produce{&handler, &req};
      co_return co_await detail::serve_cached<response_type>(*keep_alive->cache, policy, parts.view(), req.version(),
                                                             produce, owned);
    } else {
      const detail::invoke_awaitable<Handler, request_type> produce{&handler, &req};
      co_return co_await detail::serve_cached<response_type>(*keep_alive->cache, policy, parts.view(), req.version(),
                                                             produce, owned);
    }
  }

 private:
  struct state {
    state(fast_cache::http::route_cache p, Cache* c) : policy(std::move(p)), cache(c) {}
    fast_cache::http::route_cache policy;
    Cache* cache;
  };
  std::shared_ptr<const state> state_;
};

}  // namespace fast_cache::beast
