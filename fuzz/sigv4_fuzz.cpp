// SigV4 canonicalises whatever request target and headers it is given (an endpoint URL from a
// config file, headers a caller adds). Checks that canonical forms use only their alphabet, that
// the canonical query is a fixed point, and that signing is deterministic and replaces its own
// headers. Input: method, target, then header names and values (FuzzedDataProvider strings, each
// ended by a backslash and one more character), the body last.
#include "dynamodb/sigv4.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace fast_cache::dynamodb;

bool only(std::string_view text, std::string_view extra) {
  return std::all_of(text.begin(), text.end(), [&](unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~' || c == '%' || extra.find(static_cast<char>(c)) != std::string_view::npos;
  });
}

std::size_t count_headers(const header_list& headers, std::string_view lower_name) {
  return std::count_if(headers.begin(), headers.end(), [&](const auto& h) {
    return std::equal(h.first.begin(), h.first.end(), lower_name.begin(), lower_name.end(),
                      [](char a, char b) { return (a >= 'A' && a <= 'Z' ? a + 32 : a) == b; });
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  signable_request request;
  request.method = in.ConsumeRandomLengthString();
  request.target = in.ConsumeRandomLengthString();
  for (int i = 0, n = in.ConsumeIntegralInRange(0, 8); i < n; ++i) {
    std::string name = in.ConsumeRandomLengthString();
    request.headers.emplace_back(std::move(name), in.ConsumeRandomLengthString());
  }
  const bool session = in.ConsumeBool();
  request.body = in.ConsumeRemainingBytesAsString();

  const std::string_view target = request.target;
  const std::string_view query = target.substr(std::min(target.size(), target.find('?') + 1));
  const std::string canonical = canonical_query(query);
  if (!only(canonical, "&=") || canonical_query(canonical) != canonical) std::abort();
  const std::string uri = canonical_uri(target.substr(0, target.find('?')));
  if (!uri.starts_with('/') || uri.find("//") != std::string::npos || !only(uri, "/")) std::abort();
  (void)canonical_request(request, sha256_hex(request.body));

  const signer sign({"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", session ? "session-token" : ""},
                    "us-east-1", "dynamodb");
  const auto now =
      std::chrono::sys_days{std::chrono::year{2015} / 8 / 30} + std::chrono::hours{12} + std::chrono::minutes{36};
  sign.sign(request, now);
  if (count_headers(request.headers, "authorization") != 1 || count_headers(request.headers, "x-amz-date") != 1 ||
      count_headers(request.headers, "x-amz-security-token") != (session ? 1u : 0u))
    std::abort();
  const std::string first = request.headers.back().second;
  if (!first.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/dynamodb/aws4_request, "))
    std::abort();
  // Signing a signed request again replaces Authorization and X-Amz-Date with the same values.
  sign.sign(request, now);
  if (count_headers(request.headers, "authorization") != 1 || request.headers.back().second != first) std::abort();
  return 0;
}
