// http_response: headers packed in one buffer.
#include "net/http_client.hpp"

#include <boost/beast/core/string.hpp>

#include <cstdint>
#include <cstring>

namespace fast_cache::net {
namespace {

using length = std::uint32_t;

length read_length(const char* p) {
  length n;
  std::memcpy(&n, p, sizeof n);
  return n;
}

void append_length(std::string& out, std::size_t n) {
  const auto value = static_cast<length>(n);  // the parser's header limit keeps n far below 4 GiB
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

}  // namespace

std::optional<std::string_view> http_response::header(std::string_view name) const {
  for (const char* p = fields_.data(); p != fields_.data() + fields_.size();) {
    const length name_size = read_length(p);
    const length value_size = read_length(p + sizeof(length));
    p += 2 * sizeof(length);
    if (boost::beast::iequals(std::string_view(p, name_size), name)) return std::string_view(p + name_size, value_size);
    p += name_size + value_size;
  }
  return std::nullopt;
}

void http_response::add_header(std::string_view name, std::string_view value) {
  // One allocation holds the headers of a typical AWS answer.
  if (fields_.capacity() < 512) fields_.reserve(512);
  append_length(fields_, name.size());
  append_length(fields_, value.size());
  fields_ += name;
  fields_ += value;
}

}  // namespace fast_cache::net
