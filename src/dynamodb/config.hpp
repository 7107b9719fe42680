// Configuration resolution as the AWS SDKs do it: explicit options, then environment, then the
// shared files. Pure functions over an injected environment and file contents, plus a thin loader.
#pragma once

#include "dynamodb/sigv4.hpp"

#include <fast_cache/dynamodb_backend.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace fast_cache::dynamodb {

using env_map = std::map<std::string, std::string, std::less<>>;
using ini_section = std::map<std::string, std::string, std::less<>>;
/// Section name -> key -> value. A nested block (`dynamodb =` followed by indented `k = v` lines,
/// as in `[services x]`) is flattened to keys like "dynamodb.endpoint_url".
using ini_document = std::map<std::string, ini_section, std::less<>>;

ini_document parse_ini(std::string_view text);

/// Contents of ~/.aws/credentials and ~/.aws/config, when they exist.
struct shared_files {
  std::optional<std::string> credentials;
  std::optional<std::string> config;
};

struct endpoint_url_parts {
  bool tls = false;
  std::string host;  ///< without brackets for IPv6
  std::uint16_t port = 0;
};

struct resolved_config {
  credentials creds;
  bool local_credentials = false;  ///< none configured; placeholders for a loopback endpoint
  std::string region;
  std::string endpoint_url;
  endpoint_url_parts endpoint;
};

/// Throws Error(errc::invalid_argument) naming what is wrong and where it came from.
resolved_config resolve_config(const DynamoDBOptions& options, const env_map& env, const shared_files& files);

void validate_table_name(std::string_view name);
void validate_region(std::string_view region);
/// http(s)://host[:port][/]; throws Error(errc::invalid_argument).
endpoint_url_parts parse_endpoint_url(std::string_view url);
bool is_loopback_host(std::string_view host) noexcept;

/// The process environment and the shared files it points to (AWS_SHARED_CREDENTIALS_FILE,
/// AWS_CONFIG_FILE, else $HOME/.aws/...).
env_map process_environment();
shared_files read_shared_files(const env_map& env);

}  // namespace fast_cache::dynamodb
