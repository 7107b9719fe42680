// The completion token of the I/O steps: awaiting with it yields (error_code, results...) instead
// of throwing, so each step decides what an error means.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace fast_cache::detail {

inline constexpr auto nothrow_awaitable = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace fast_cache::detail
