// parse_endpoint and endpoint::host_header.
#include "net/http_client.hpp"

#include <fast_cache/error.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace fast_cache::net {
namespace {

// What of a URL an error may quote: never user information (a password) nor a query or fragment
// (a token), whatever else is wrong with the URL.
std::string printable(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  const auto sep = url.find("://");
  const auto authority_start = sep == std::string_view::npos ? 0 : sep + 3;
  const auto authority_end = url.find('/', authority_start);
  const auto at = url.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < authority_start) return std::string(url);
  return std::string(url.substr(0, authority_start)) + "***" + std::string(url.substr(at));
}

[[noreturn]] void bad_url(std::string_view url, std::string_view why) {
  throw Error(errc::invalid_argument, "invalid endpoint URL \"" + printable(url) + "\": " + std::string(why));
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::uint16_t default_port(bool tls) { return tls ? 443 : 80; }

}  // namespace

std::string endpoint::host_header() const {
  // IPv6 literals keep their brackets in the Host header (RFC 7230 section 5.4).
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != default_port(tls)) h += ":" + std::to_string(port);
  return h;
}

endpoint parse_endpoint(std::string_view url) {
  endpoint ep;
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) bad_url(url, "expected a scheme, as in http://host:port");
  const auto scheme = url.substr(0, sep);
  if (iequals(scheme, "https")) {
    ep.tls = true;
  } else if (!iequals(scheme, "http")) {
    bad_url(url, "unknown scheme \"" + std::string(scheme) + "\" (http or https)");
  }

  auto rest = url.substr(sep + 3);
  const auto end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, end);
  if (authority.find('@') != std::string_view::npos) bad_url(url, "user information is not allowed");
  if (end != std::string_view::npos && rest.substr(end) != "/")
    bad_url(url, "a path, query or fragment is not allowed");

  std::string_view port_text;
  bool has_port = false;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) bad_url(url, "unterminated IPv6 literal");
    ep.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') bad_url(url, "unexpected characters after the IPv6 literal");
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    ep.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
  }
  if (ep.host.empty()) bad_url(url, "empty host");
  const bool host_ok = std::all_of(ep.host.begin(), ep.host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == ':' || c == '%';
  });
  if (!host_ok) bad_url(url, "invalid character in host");

  ep.port = default_port(ep.tls);
  if (has_port) {
    unsigned value = 0;
    const auto* first = port_text.data();
    const auto* last = first + port_text.size();
    const auto [ptr, ec] = std::from_chars(first, last, value);
    if (port_text.empty() || ec != std::errc{} || ptr != last || value == 0 || value > 65535) {
      bad_url(url, "bad port \"" + std::string(port_text) + "\" (1-65535)");
    }
    ep.port = static_cast<std::uint16_t>(value);
  }
  return ep;
}

}  // namespace fast_cache::net
