// Building responses: JSON bodies serialised with Boost.JSON.
#pragma once

#include <fast_cache/beast/request.hpp>

#include <boost/json/value.hpp>

namespace fast_cache::beast {

/// A response with `value` serialised as its body and `Content-Type: application/json`.
[[nodiscard]] response json_response(const boost::json::value& value, http::status status = http::status::ok);

/// A JSON error response in FastAPI's shape: `{"detail": detail}`.
[[nodiscard]] response error_response(http::status status, std::string_view detail);

}  // namespace fast_cache::beast
