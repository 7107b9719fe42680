// Deduces the signature of the callable given to cached(): its result and parameter types.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <type_traits>

namespace fast_cache::detail {

template <class... Args>
struct type_list {};

template <class R, class... Args>
struct signature {
  using result = R;
  using args = type_list<std::remove_cvref_t<Args>...>;
};

template <class F, class = void>
struct callable_traits;

template <class R, class... Args>
struct callable_traits<R (*)(Args...)> : signature<R, Args...> {};
template <class R, class... Args>
struct callable_traits<R (*)(Args...) noexcept> : signature<R, Args...> {};

// Lambdas and function objects with exactly one, non-template operator().
template <class F>
struct callable_traits<F, std::void_t<decltype(&F::operator())>> : callable_traits<decltype(&F::operator())> {};

#define FAST_CACHE_MEMBER_SIGNATURE(QUALIFIERS) \
  template <class C, class R, class... Args>    \
  struct callable_traits<R (C::*)(Args...) QUALIFIERS> : signature<R, Args...> {};
FAST_CACHE_MEMBER_SIGNATURE()
FAST_CACHE_MEMBER_SIGNATURE(const)
FAST_CACHE_MEMBER_SIGNATURE(noexcept)
FAST_CACHE_MEMBER_SIGNATURE(const noexcept)
#undef FAST_CACHE_MEMBER_SIGNATURE

/// Whether R is asio::awaitable<T, Executor>, and if so its T and Executor.
template <class R>
struct awaitable_traits : std::false_type {
  using value_type = R;
};
template <class T, class Executor>
struct awaitable_traits<boost::asio::awaitable<T, Executor>> : std::true_type {
  using value_type = T;
  using executor_type = Executor;
};

}  // namespace fast_cache::detail
