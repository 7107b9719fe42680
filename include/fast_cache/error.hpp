// Errors of fast_cache backends and codecs: Boost.System error codes for branching, diagnostics
// for people, and the exception sync calls throw, which carries both.
#pragma once

#include <boost/system/error_code.hpp>

#include <exception>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace fast_cache {

/// What kind of failure an operation reports, so callers decide without parsing messages. Async
/// operations complete with a boost::system::error_code holding one of these (or
/// boost::asio::error::operation_aborted when the caller cancelled the operation).
enum class errc {
  invalid_argument = 1,  ///< bad key, value, option or URL given by the caller
  value_too_large,       ///< the value does not fit the backend's item limit
  decode_failed,         ///< a stored value cannot be decoded as the asked type
  unavailable,           ///< unreachable (refused, reset, DNS), answering 5xx, or its circuit breaker is open
  timeout,               ///< the call's budget ran out
  throttled,             ///< the server asked us to slow down and the budget allowed no more retries
  protocol,              ///< the server answered something we cannot understand
  rejected,              ///< the server refused the request: credentials, permissions, validation
  closed,                ///< the backend was closed
  internal,              ///< a failure inside fast_cache itself (out of memory, a bug)
  unsupported,           ///< the backend cannot do this operation (see Backend::supports_conditional_writes)
};

/// The category of errc codes, named "fast_cache".
[[nodiscard]] const boost::system::error_category& error_category() noexcept;

[[nodiscard]] inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

[[nodiscard]] std::string_view to_string(errc code) noexcept;

/// What a failed operation knows beyond its error code. `message` says what failed and why; the
/// other fields keep the server's own diagnosis (empty when the failure did not come from the
/// server), so it is reachable without parsing `message`. No field ever holds a secret.
struct diagnostics {
  std::string message;         ///< e.g. "DynamoDB GetItem at http://localhost:8000 failed: ..."
  std::string server_code;     ///< the server's error name, e.g. "ThrottlingException"
  std::string server_message;  ///< the server's own words
  unsigned http_status = 0;    ///< for backends that speak HTTP; 0 otherwise

  void clear() { *this = diagnostics{}; }
};

/// What sync calls throw: a std::system_error whose code() is the error code async calls complete
/// with, and whose diagnosis is kept whole. what() is the diagnostics' message.
class Error : public std::system_error {
 public:
  Error(boost::system::error_code code, diagnostics diag);
  /// An error without a server diagnosis.
  Error(boost::system::error_code code, std::string message);
  Error(errc code, std::string message) : Error(make_error_code(code), std::move(message)) {}

  /// The code as Boost.System knows it: compares equal to fast_cache::errc values.
  [[nodiscard]] const boost::system::error_code& code() const noexcept { return code_; }
  [[nodiscard]] const diagnostics& diag() const noexcept { return diag_; }

 private:
  boost::system::error_code code_;
  diagnostics diag_;
};

/// The error code for an exception caught from an operation, writing what it says into `diag`
/// when that is not null: an Error gives its code and diagnosis, a boost::system::system_error
/// its code, anything else errc::internal.
boost::system::error_code error_code_from(const std::exception_ptr& failure, diagnostics* diag) noexcept;

}  // namespace fast_cache

template <>
struct boost::system::is_error_code_enum<fast_cache::errc> : std::true_type {};
