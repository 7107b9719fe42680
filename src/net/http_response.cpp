// http_response::header.
#include "net/http_client.hpp"

#include <boost/beast/core/string.hpp>

namespace fast_cache::net {

std::optional<std::string_view> http_response::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (boost::beast::iequals(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

}  // namespace fast_cache::net
