// make_request_head: the request line and header block in one allocation.
#include "net/request_head.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include <charconv>
#include <stdexcept>

namespace fast_cache::net {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

bool asks_to_close(std::string_view connection_value) {
  for (const auto token : http::token_list(connection_value))
    if (beast::iequals(token, "close")) return true;
  return false;
}

}  // namespace

request_head make_request_head(const http_request& req, std::string_view host) {
  using http::verb;
  const std::string_view method = http::to_string(req.method);
  const bool sized =
      !req.body.empty() || req.method == verb::post || req.method == verb::put || req.method == verb::options;
  if (req.method == verb::trace && !req.body.empty()) throw std::invalid_argument("invalid request body");

  std::size_t size = method.size() + req.target.size() + 64 + host.size();
  for (const auto& [name, value] : req.headers) size += name.size() + value.size() + 4;
  request_head head;
  head.bytes.reserve(size);
  std::string& out = head.bytes;
  out += method;
  out += ' ';
  out += req.target;
  out += " HTTP/1.1\r\n";
  bool has_host = false;
  for (const auto& [name, value] : req.headers) {
    if (beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding")) continue;
    has_host = has_host || beast::iequals(name, "host");
    if (beast::iequals(name, "connection") && asks_to_close(value)) head.keep_alive = false;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!has_host) {
    out += "Host: ";
    out += host;
    out += "\r\n";
  }
  if (sized) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, req.body.size()).ptr;
    out += "Content-Length: ";
    out.append(digits, end);
    out += "\r\n";
  }
  out += "\r\n";
  return head;
}

}  // namespace fast_cache::net
