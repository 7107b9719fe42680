// Errors raised by fast_cache backends and codecs.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace fast_cache {

/// What kind of failure an Error reports; lets callers decide without parsing messages.
enum class errc {
  invalid_argument,  ///< bad key, value, option or URL given by the caller
  value_too_large,   ///< the value does not fit the backend's item limit
  decode_failed,     ///< a stored value cannot be decoded as the asked type
  unavailable,       ///< connection refused, reset, DNS failure, server gone
  timeout,           ///< connect or request deadline passed
  throttled,         ///< the server asked us to slow down and retries ran out
  protocol,          ///< the server answered something we cannot understand
  auth,              ///< credentials rejected
  server,            ///< the server reported an error of its own (see message)
  closed,            ///< the backend was closed
};

std::string_view to_string(errc code) noexcept;

/// Every failure of a backend or codec is an Error; the message never contains secrets.
class Error : public std::runtime_error {
 public:
  Error(errc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  [[nodiscard]] errc code() const noexcept { return code_; }

 private:
  errc code_;
};

}  // namespace fast_cache
