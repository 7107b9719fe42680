// Everything the DynamoDB client reads from a server's answer: the response bodies of each
// operation, error answers, the Date header (clock-skew correction) and base64 values. A server,
// a proxy or a man in the middle may send anything. The first input byte picks the parser; the
// rest is its input. The body parsers may throw Error(errc::protocol), and nothing else.
#include "dynamodb/clock_skew.hpp"
#include "dynamodb/crypto.hpp"
#include "dynamodb/errors.hpp"
#include "dynamodb/protocol.hpp"

#include <fast_cache/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace {

using namespace fast_cache::dynamodb;
using std::chrono::system_clock;

constexpr std::string_view table = "cache";

void check_service_error(std::string_view input) {
  // "<X-Amzn-Errortype header>\n<body>"; no newline: no header.
  const std::size_t newline = input.find('\n');
  std::optional<std::string_view> header;
  if (newline != std::string_view::npos) {
    header = input.substr(0, newline);
    input.remove_prefix(newline + 1);
  }
  for (const unsigned status : {0u, 200u, 400u, 429u, 500u, 503u}) {
    const service_error e = parse_service_error(status, header, input);
    if (e.status != status || e.type.find(':') != std::string::npos) std::abort();
    (void)classify(e);
    (void)to_errc(e);
    (void)is_clock_skew_error(e);
  }
}

// An accepted date names a time that, written as an IMF-fixdate, parses to the same time.
void check_http_date(std::string_view input) {
  for (const std::chrono::year reference :
       {std::chrono::year{2024}, std::chrono::year{1970}, std::chrono::year{9999}}) {
    const auto parsed = parse_http_date(input, reference);
    if (!parsed) continue;
    const std::time_t seconds = system_clock::to_time_t(*parsed);
    std::tm tm{};
    if (!gmtime_r(&seconds, &tm)) std::abort();
    char text[64];
    const std::size_t n = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (n == 0 || parse_http_date(std::string_view(text, n), reference) != parsed) std::abort();
  }
}

// Canonical base64 only: what decodes must encode back to the same text.
void check_base64(std::string_view input) {
  const auto decoded = base64_decode(input);
  if (decoded && base64_encode(*decoded) != input) std::abort();
}

void check_body(char parser, std::string_view body) {
  switch (parser) {
    case 'G':
      (void)parse_get_item(body);
      break;
    case 'B':
      (void)parse_batch_get(body, table);
      break;
    case 'W':
      (void)parse_batch_write(body, table);
      break;
    case 'S':
      (void)parse_scan(body);
      break;
    case 'D':
      (void)key_schema_mismatch(parse_describe_table(body));
      break;
    case 'T':
      (void)parse_describe_ttl(body);
      break;
    default:
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const char parser = static_cast<char>(data[0]);
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (parser) {
    case 'E':
      check_service_error(input);
      return 0;
    case 'H':
      check_http_date(input);
      return 0;
    case '6':
      check_base64(input);
      return 0;
    default:
      break;
  }
  try {
    check_body(parser, input);
  } catch (const fast_cache::Error& e) {
    if (e.code() != fast_cache::errc::protocol) std::abort();
  }
  return 0;
}
