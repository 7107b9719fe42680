#include <fast_cache/dynamodb_backend.hpp>

#include <charconv>

namespace fast_cache {
namespace {

[[noreturn]] void invalid(std::string_view url, const std::string& why) {
  throw Error(errc::invalid_argument, "invalid DynamoDB URL '" + std::string(url) + "': " + why);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string decode(std::string_view url, std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      if (i + 2 >= text.size() || hex_digit(text[i + 1]) < 0 || hex_digit(text[i + 2]) < 0)
        invalid(url, "bad percent-encoding");
      out.push_back(static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2])));
      i += 2;
    } else if (text[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

bool to_bool(std::string_view url, std::string_view name, std::string_view v) {
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  invalid(url, std::string(name) + " must be true or false");
}

long long to_number(std::string_view url, std::string_view name, std::string_view v, long long min) {
  long long n = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || n < min)
    invalid(url, std::string(name) + " must be an integer >= " + std::to_string(min));
  return n;
}

}  // namespace

DynamoDBOptions dynamodb_options_from_url(std::string_view url) {
  constexpr std::string_view scheme = "dynamodb://";
  if (!url.starts_with(scheme)) invalid(url, "the scheme must be dynamodb://");
  std::string_view rest = url.substr(scheme.size());
  const std::size_t q = rest.find('?');
  std::string_view table = rest.substr(0, q);
  if (table.ends_with('/')) table.remove_suffix(1);
  DynamoDBOptions o;
  o.table_name = decode(url, table);
  if (o.table_name.empty()) invalid(url, "the table name is missing (dynamodb://TABLE?...)");
  std::string_view query = q == std::string_view::npos ? std::string_view{} : rest.substr(q + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (param.empty()) continue;
    const std::size_t eq = param.find('=');
    const std::string name = decode(url, param.substr(0, eq));
    const std::string v = eq == std::string_view::npos ? std::string() : decode(url, param.substr(eq + 1));
    using ms = std::chrono::milliseconds;
    if (name == "region")
      o.region_name = v;
    else if (name == "endpoint" || name == "endpoint_url")
      o.endpoint_url = v;
    else if (name == "namespace")
      o.namespace_ = v;
    else if (name == "create_table")
      o.create_table = to_bool(url, name, v);
    else if (name == "consistent_read")
      o.consistent_read = to_bool(url, name, v);
    else if (name == "verify_tls")
      o.verify_tls = to_bool(url, name, v);
    else if (name == "ca_file")
      o.ca_file = v;
    else if (name == "max_connections")
      o.max_connections = static_cast<std::size_t>(to_number(url, name, v, 1));
    else if (name == "max_attempts")
      o.max_attempts = static_cast<int>(to_number(url, name, v, 1));
    else if (name == "connect_timeout_ms")
      o.connect_timeout = ms(to_number(url, name, v, 1));
    else if (name == "request_timeout_ms")
      o.request_timeout = ms(to_number(url, name, v, 1));
    else if (name == "default_expire_s")
      o.default_expire = std::chrono::seconds(to_number(url, name, v, 0));
    else if (name == "aws_access_key_id" || name == "aws_secret_access_key" || name == "aws_session_token")
      // The URL is not echoed: it holds a secret.
      throw Error(errc::invalid_argument, "DynamoDB URLs do not accept credentials (" + name +
                                              "); use the options, the environment or a profile");
    else
      invalid(url, "unknown parameter '" + name + "'");
  }
  return o;
}

}  // namespace fast_cache
