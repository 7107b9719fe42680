#include <fast_cache/error.hpp>

namespace fast_cache {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::invalid_argument:
      return "invalid argument";
    case errc::value_too_large:
      return "value too large";
    case errc::decode_failed:
      return "decode failed";
    case errc::unavailable:
      return "unavailable";
    case errc::timeout:
      return "timeout";
    case errc::throttled:
      return "throttled";
    case errc::protocol:
      return "protocol error";
    case errc::auth:
      return "authentication failed";
    case errc::server:
      return "server error";
    case errc::closed:
      return "closed";
  }
  return "unknown error";
}

}  // namespace fast_cache
