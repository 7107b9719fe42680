#include "routes.hpp"

#include <fast_cache/beast.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/describe/class.hpp>
#include <boost/json.hpp>

#include <unistd.h>
#include <atomic>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace demo {

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::use_awaitable;
using fast_cache::cache;
using fast_cache::beast::cache_route;
using fast_cache::beast::request;
using namespace std::chrono_literals;

// Results are computed in 64 bits: x is any int the query holds, and 5 * x must not overflow.
std::int64_t wide(int x) { return x; }

// --- Route caching: whole responses, keyed by method, path and query (the seed's @app.get +
// @cache.cached on an endpoint).

asio::awaitable<json::value> expensive_operation(const request& req) {
  const int x = req.query<int>("x");
  co_return json::object{{"result", wide(x) * 2}};
}

asio::awaitable<json::value> custom_cache(const request& req) {
  co_return json::object{{"value", req.query<int>("x")}};
}

std::string custom_key(const fast_cache::http::request_view& req) {
  return "custom:" + std::string(req.param("x").value_or(""));
}

json::value weather(const request& req) { return json::object{{"city", req.query("city")}, {"weather", "sunny"}}; }

// A slow report: 300 ms of work (a timer, so the io thread serves others meanwhile). The body names
// the process that computed it and how many reports that process has computed, so a client can
// tell whether two requests, or two demo servers, each ran it.
std::atomic<std::int64_t> reports_computed{0};

asio::awaitable<json::value> report(const request& req) {
  const int id = req.query<int>("id");
  const auto executor = co_await asio::this_coro::executor;
  asio::steady_timer work(executor, 300ms);
  co_await work.async_wait(use_awaitable);
  const std::int64_t run = ++reports_computed;
  json::object body;
  body["id"] = id;
  body["computed_by"] = static_cast<std::int64_t>(::getpid());
  body["run"] = run;
  co_return json::value(std::move(body));
}

// --- What HTTP caching must get right: a body in the key, a response's own Vary and
// Cache-Control, per-user answers.

// POST with a JSON array of numbers: cached per body (the key holds the body's digest).
json::value sum(const request& req) {
  boost::system::error_code ec;
  const json::value numbers = json::parse(req.msg().body(), ec);
  if (ec || !numbers.is_array()) {
    throw fast_cache::beast::parameter_error("body", "numbers", "list_type", "Input should be a JSON array");
  }
  double total = 0;
  for (const json::value& n : numbers.as_array()) {
    if (!n.is_number())
      throw fast_cache::beast::parameter_error("body", "numbers", "float_type", "Input should be a number");
    total += n.to_number<double>();
  }
  return json::object{{"sum", total}};
}

// A handler with caching directives of its own, and a representation chosen by Accept-Language.
fast_cache::beast::response greeting(const request& req) {
  const bool german = req.header("accept-language").value_or("").starts_with("de");
  fast_cache::beast::response res =
      fast_cache::beast::json_response(json::object{{"greeting", german ? "hallo" : "hello"}});
  res.set(boost::beast::http::field::vary, "Accept-Language");
  res.set(boost::beast::http::field::cache_control, "public, max-age=30, must-revalidate");
  return res;
}

// A per-user answer: the route varies on Cookie, so each user has an entry of their own, sent private.
json::value me(const request& req) {
  const std::string_view cookie = req.header("cookie").value_or("");
  const auto at = cookie.find("user=");
  const std::string user =
      at == std::string_view::npos ? "anonymous" : std::string(cookie.substr(at + 5, cookie.find(';', at) - at - 5));
  return json::object{{"user", user}};
}

// --- 1. Function caching: cache.cached() wraps a coroutine or a plain function; routes call it.
// The route cache in front answers repeat requests with HTTP validators; the function cache
// behind it is shared by every caller of the function, route or not.

asio::awaitable<json::value> double_it(int x) { co_return json::object{{"result", wide(x) * 2}}; }
json::value triple_it(int x) { return json::object{{"result", wide(x) * 3}}; }
asio::awaitable<json::value> echo_custom(int x) { co_return json::object{{"custom_key", x}}; }
asio::awaitable<json::value> quintuple_it(int x) { co_return json::object{{"result", wide(x) * 5}}; }

// A typed result goes through the JSON codec (Boost.Describe), as a pydantic model would.
struct item {
  std::string name;
  int value = 0;
};
BOOST_DESCRIBE_STRUCT(item, (), (name, value))
item make_item(std::string name, int value) { return {std::move(name), value}; }

const auto cached_double = cache.cached("decorator_async", {.expire = 10s}, double_it);
const auto cached_triple = cache.cached("decorator_sync", {.expire = 10s}, triple_it);
const auto cached_custom = cache.cached(
    "decorator_custom",
    {.expire = 15s, .key_builder = [](int x) { return "custom:" + std::to_string(x); }, .namespace_ = "custom"},
    echo_custom);
const auto cached_skip = cache.cached("decorator_skip", {.expire = 10s}, quintuple_it);
const auto cached_item = cache.cached("decorator_pydantic", {.expire = 10s}, make_item);

asio::awaitable<json::value> decorator_async(const request& req) {
  co_return co_await cached_double(req.query<int>("x"));
}
json::value decorator_sync(const request& req) { return cached_triple(req.query<int>("x")); }
asio::awaitable<json::value> decorator_custom(const request& req) {
  co_return co_await cached_custom(req.query<int>("x"));
}
asio::awaitable<json::value> decorator_skip(const request& req) {
  const int x = req.query<int>("x");
  if (req.optional_query<bool>("skip_cache").value_or(false)) co_return co_await cached_skip(fast_cache::skip_cache, x);
  co_return co_await cached_skip(x);
}
json::value decorator_pydantic(const request& req) {
  return json::value_from(cached_item(req.query("name"), req.query<int>("value")));
}

// --- 2. Direct backend access, and 3. dependency injection: cache.get_cache() is the backend.

std::string required_key(const request& req) {
  std::string key = req.query("key");
  if (key.empty())
    throw fast_cache::beast::parameter_error("query", "key", "string_too_short", "Key must not be empty");
  return key;
}

asio::awaitable<json::value> di_set(const request& req) {
  const auto backend = cache.get_cache();
  co_await backend->async_set(required_key(req), req.query("value"), 30s, use_awaitable);
  co_return json::object{{"set", true}};
}

asio::awaitable<json::value> di_get(const request& req) {
  const auto backend = cache.get_cache();
  const std::optional<std::string> value = co_await backend->async_get(required_key(req), use_awaitable);
  co_return json::object{{"value", value ? json::value(*value) : json::value(nullptr)}};
}

asio::awaitable<json::value> di_has(const request& req) {
  const auto backend = cache.get_cache();
  const bool exists = co_await backend->async_has(required_key(req), use_awaitable);
  co_return json::object{{"exists", exists}};
}

asio::awaitable<json::value> di_delete(const request& req) {
  const auto backend = cache.get_cache();
  co_await backend->async_erase(required_key(req), use_awaitable);
  co_return json::object{{"deleted", true}};
}

asio::awaitable<json::value> di_clear(const request&) {
  const auto backend = cache.get_cache();
  co_await backend->async_clear(use_awaitable);
  co_return json::object{{"cleared", true}};
}

// Caching by hand, as the seed's profile example does, and fail-open like cached routes: a sick
// backend costs a read budget, never the request.
asio::awaitable<json::value> profile(const request& req) {
  const int user_id = req.path_param<int>("user_id");
  const std::string key = "profile:" + std::to_string(user_id);
  const auto backend = cache.get_cache();
  auto [read_error, stored] = co_await backend->async_get(key, asio::as_tuple(use_awaitable));
  if (!read_error && stored) {
    boost::system::error_code ec;
    json::value cached = json::parse(*stored, ec);
    if (!ec) co_return json::object{{"profile", std::move(cached)}, {"cached", true}};
  }
  json::object fresh{{"user_id", user_id}, {"bio", "User " + std::to_string(user_id) + " bio"}};
  // A failed store is no reason to fail the request: the profile is served all the same.
  (void)co_await backend->async_set(key, json::serialize(fresh), 60s, asio::as_tuple(use_awaitable));
  co_return json::object{{"profile", std::move(fresh)}, {"cached", false}};
}

// --- Beyond a TTL. Tags: a user is cached by a function (/user/card) and by a route (/user);
// one invalidate_tags call, from any server sharing the backend, makes both miss. `computed`
// counts this process's computations, so a client sees a miss.
std::atomic<std::int64_t> users_computed{0};

std::vector<std::string> user_tags(const int& id) { return {"user:" + std::to_string(id)}; }
std::vector<std::string> user_route_tags(const fast_cache::http::request_view& r) {
  return {"user:" + std::string(r.param("id").value_or(""))};
}

asio::awaitable<json::value> load_user_card(int id) {
  co_return json::object{{"id", id}, {"card", "User " + std::to_string(id)}, {"computed", ++users_computed}};
}
const auto cached_user_card = cache.cached("user_card", {.expire = 300s, .tags = user_tags}, load_user_card);

asio::awaitable<json::value> user_card(const request& req) {
  co_return co_await cached_user_card(req.query<int>("id"));
}
json::value user_page(const request& req) {
  const int id = req.query<int>("id");
  return json::object{{"id", id}, {"page", "Profile of user " + std::to_string(id)}, {"computed", ++users_computed}};
}
asio::awaitable<json::value> user_invalidate(const request& req) {
  const std::vector<std::string> tags = user_tags(req.query<int>("id"));
  co_await cache.async_invalidate_tags(tags, use_awaitable);
  co_return json::object{{"invalidated", tags.front()}};
}

// Stale-while-revalidate: 500 ms of work behind a 1 s expiry. Once it has expired, callers are
// served the stale result at once while one refresh runs behind them.
std::atomic<std::int64_t> squares_computed{0};

asio::awaitable<json::value> slow_square(int x) {
  asio::steady_timer work(co_await asio::this_coro::executor, 500ms);
  co_await work.async_wait(use_awaitable);
  co_return json::object{{"result", wide(x) * x}, {"computed", ++squares_computed}};
}
const auto cached_square = cache.cached("slow_square", {.expire = 1s, .stale_while_revalidate = 60s}, slow_square);

// The same without the window, for comparison: each expiry makes callers wait for the 500 ms.
const auto cached_square_no_window = cache.cached("slow_square_no_window", {.expire = 1s}, slow_square);

asio::awaitable<json::value> stale_square(const request& req) { co_return co_await cached_square(req.query<int>("x")); }
asio::awaitable<json::value> slow_square_route(const request& req) {
  co_return co_await cached_square_no_window(req.query<int>("x"));
}

// Stale-if-error: `fail=true` makes the upstream fail; a result that expired within the last
// five minutes is served instead. `fail` is no part of the key.
std::atomic<std::int64_t> quotes_computed{0};

asio::awaitable<json::value> upstream_quote(std::string symbol, bool fail) {
  if (fail) throw std::runtime_error("the quote service is down");
  co_return json::object{{"symbol", symbol}, {"price", 42}, {"computed", ++quotes_computed}};
}
const auto cached_quote =
    cache.cached("quote",
                 {.expire = 1s,
                  .key_builder = [](const std::string& symbol, const bool&) { return "quote:" + symbol; },
                  .stale_if_error = 300s},
                 upstream_quote);

asio::awaitable<json::value> quote(const request& req) {
  co_return co_await cached_quote(req.query("symbol"), req.optional_query<bool>("fail").value_or(false));
}

// Negative caching: an unknown email is cached as "none" for 30 s, a known one for 10 minutes.
std::atomic<std::int64_t> lookups_done{0};

asio::awaitable<std::optional<int>> find_user_id(std::string email) {
  ++lookups_done;
  if (email == "ada@example.com") co_return 42;
  co_return std::nullopt;
}
const auto cached_find_user = cache.cached("find_user", {.expire = 600s, .negative_expire = 30s}, find_user_id);

asio::awaitable<json::value> lookup(const request& req) {
  const std::optional<int> id = co_await cached_find_user(req.query("email"));
  co_return json::object{{"user_id", id ? json::value(*id) : json::value(nullptr)}, {"lookups", lookups_done.load()}};
}

// The Cache's counters: what an operator watches, and how the benchmarks check that a run they
// call "hits" was answered from the cache.
asio::awaitable<json::value> stats(const request&) {
  const fast_cache::cache_stats s = cache.stats();
  co_return json::object{{"hits", s.hits},
                         {"misses", s.misses},
                         {"errors", s.errors},
                         {"timeouts", s.timeouts},
                         {"unavailable", s.unavailable},
                         {"undecodable", s.undecodable},
                         {"background_stores", s.background_stores},
                         {"background_stores_in_flight", s.background_stores_in_flight},
                         {"locks_taken", s.locks_taken},
                         {"lock_waits", s.lock_waits},
                         {"lock_timeouts", s.lock_timeouts},
                         {"stale_served", s.stale_served},
                         {"stale_if_error_served", s.stale_if_error_served},
                         {"early_refreshes", s.early_refreshes},
                         {"refreshes", s.refreshes},
                         {"refresh_failures", s.refresh_failures},
                         {"tag_invalidations", s.tag_invalidations}};
}

}  // namespace

void add_routes(fast_cache::beast::app& app) {
  app.get("/expensive", cache_route({.expire = 60s}, expensive_operation));
  app.get("/custom", cache_route({.expire = 120s, .namespace_ = "special", .key_builder = custom_key}, custom_cache));
  app.get("/weather", cache_route({}, weather));  // the app's default expiry (init_app)
  app.get("/plain", expensive_operation);         // never cached: the baseline for benchmarks
  // Locked: however many demo servers share the backend, a cold report is computed once.
  app.get("/report", cache_route({.expire = 60s, .lock = fast_cache::lock_options{.lease = 5s, .wait = 3s}}, report));
  app.post("/sum", cache_route({.expire = 60s, .methods = {"POST"}}, sum));
  app.get("/greeting", cache_route({.expire = 60s, .vary = {"Accept-Language"}}, greeting));
  app.get("/me", cache_route({.expire = 60s, .vary = {"Cookie"}}, me));

  app.get("/decorator/async", cache_route({.expire = 10s}, decorator_async));
  app.get("/decorator/sync", cache_route({.expire = 10s}, decorator_sync));
  app.get("/decorator/custom", cache_route({.expire = 15s}, decorator_custom));
  app.get("/decorator/skip", cache_route({.expire = 10s}, decorator_skip));
  app.get("/decorator/pydantic", cache_route({.expire = 10s}, decorator_pydantic));

  app.get("/di/set", di_set);
  app.get("/di/get", di_get);
  app.get("/di/has", di_has);
  app.delete_("/di/delete", di_delete);
  app.post("/di/clear", di_clear);
  app.get("/profile/{user_id}", profile);

  app.get("/user/card", user_card);  // cached by the function behind it, not as a route
  app.get("/user", cache_route({.expire = 300s, .tags = user_route_tags}, user_page));
  app.post("/user/invalidate", user_invalidate);
  app.get("/swr", stale_square);
  app.get("/slow", slow_square_route);
  app.get("/quote", quote);
  app.get("/lookup", lookup);
  app.get("/stats", stats);
}

}  // namespace demo
