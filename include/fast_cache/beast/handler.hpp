// Route handlers: one type-erased form for sync and coroutine callables.
#pragma once

#include <fast_cache/beast/response.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <type_traits>
#include <utility>

namespace fast_cache::beast {

namespace asio = boost::asio;

/// What the router stores: a coroutine from a request to its response.
using handler = std::function<asio::awaitable<response>(const request&)>;

namespace detail {

template <class R>
inline constexpr bool is_awaitable = false;
template <class T, class E>
inline constexpr bool is_awaitable<asio::awaitable<T, E>> = true;

template <class R>
struct awaited {
  using type = R;
};
template <class T, class E>
struct awaited<asio::awaitable<T, E>> {
  using type = T;
};

inline response to_response(response r) { return r; }
inline response to_response(const boost::json::value& v) { return json_response(v); }

// Named function objects rather than coroutine lambdas: g++ 12 destroys lambda captures that live
// in a coroutine frame twice (GCC PR 100611).
template <class F>
struct sync_handler {
  F fn;
  asio::awaitable<response> operator()(const request& req) const { co_return to_response(fn(req)); }
};

template <class F>
struct json_coroutine_handler {
  F fn;
  asio::awaitable<response> operator()(const request& req) const { co_return to_response(co_await fn(req)); }
};

}  // namespace detail

/// Makes a handler from a callable taking `const request&` and returning a response or a
/// boost::json::value (sent as 200 JSON), directly (run on the connection's thread; keep it
/// short) or as `asio::awaitable<...>`.
template <class F>
handler make_handler(F fn) {
  using result = std::invoke_result_t<const F&, const request&>;
  using value = typename detail::awaited<result>::type;
  static_assert(std::is_same_v<value, response> || std::is_convertible_v<value, boost::json::value>,
                "a handler returns fast_cache::beast::response or a boost::json::value");
  if constexpr (std::is_same_v<result, asio::awaitable<response>>) {
    return handler(std::move(fn));
  } else if constexpr (detail::is_awaitable<result>) {
    return handler(detail::json_coroutine_handler<F>{std::move(fn)});
  } else {
    return handler(detail::sync_handler<F>{std::move(fn)});
  }
}

}  // namespace fast_cache::beast
