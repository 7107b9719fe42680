// The shared AWS files (~/.aws/credentials and ~/.aws/config) are written by people and other
// tools, and an endpoint URL may come from them or from the environment. parse_ini must read any
// text; resolving a configuration from it may throw Error(errc::invalid_argument), and nothing else.
// Input: credentials file, config file, AWS_PROFILE and an endpoint URL, each ended by a backslash
// and one more character (FuzzedDataProvider strings), then flags read from the end.
#include "dynamodb/config.hpp"

#include <fast_cache/error.hpp>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace fast_cache::dynamodb;

bool is_trimmed(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  return s.empty() || (!space(s.front()) && !space(s.back()));
}

void check_ini(const std::string& text) {
  for (const auto& [name, section] : parse_ini(text)) {
    if (!is_trimmed(name) || name.find("  ") != std::string::npos) std::abort();
    for (const auto& [key, value] : section) {
      if (!is_trimmed(key) || !is_trimmed(value)) std::abort();
    }
  }
}

bool is_host_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == ':';
}

// An accepted endpoint has a host that can go into a Host header and a TLS name as it is.
void check_endpoint(const endpoint_url_parts& endpoint) {
  if (endpoint.host.empty() || endpoint.port == 0) std::abort();
  for (const unsigned char c : endpoint.host) {
    if (!is_host_char(c)) std::abort();
  }
}

template <class F>
void expect_invalid_argument_only(F f) {
  try {
    f();
  } catch (const fast_cache::Error& e) {
    if (e.code() != fast_cache::errc::invalid_argument) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  shared_files files;
  files.credentials = in.ConsumeRandomLengthString();
  files.config = in.ConsumeRandomLengthString();
  const std::string profile = in.ConsumeRandomLengthString();
  const std::string endpoint_url = in.ConsumeRandomLengthString();
  const bool use_profile = in.ConsumeBool();
  const bool ignore_configured_endpoints = in.ConsumeBool();

  check_ini(*files.credentials);
  check_ini(*files.config);
  expect_invalid_argument_only([&] { check_endpoint(parse_endpoint_url(endpoint_url)); });

  env_map env;
  if (use_profile) env["AWS_PROFILE"] = profile;
  if (ignore_configured_endpoints) env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  fast_cache::DynamoDBOptions options{.table_name = "cache_table"};
  expect_invalid_argument_only([&] {
    const resolved_config config = resolve_config(options, env, files);
    if (config.creds.access_key_id.empty() || config.creds.secret_access_key.empty()) std::abort();
    validate_region(config.region);
    check_endpoint(config.endpoint);
  });
  return 0;
}
