#include "dynamodb/config.hpp"

#include <fast_cache/error.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

extern char** environ;

namespace fast_cache::dynamodb {
namespace {

[[noreturn]] void invalid(const std::string& message) { throw Error(errc::invalid_argument, message); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_true(std::string_view v) {
  std::string lower(trim(v));
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower == "true";
}

std::optional<std::string> lookup(const env_map& env, std::string_view name) {
  auto it = env.find(name);
  if (it == env.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

const ini_section* section(const ini_document& doc, std::string_view name) {
  auto it = doc.find(name);
  return it == doc.end() ? nullptr : &it->second;
}

std::optional<std::string> value(const ini_section* s, std::string_view key) {
  if (!s) return std::nullopt;
  auto it = s->find(key);
  if (it == s->end() || it->second.empty()) return std::nullopt;
  return it->second;
}

// The profile as the two files hold it: `[name]` in credentials, `[profile name]` (or `[default]`) in config.
struct profile {
  std::string name;
  bool explicit_choice = false;
  const ini_section* credentials = nullptr;
  const ini_section* config = nullptr;
  ini_document credentials_doc, config_doc;

  std::optional<std::string> get(std::string_view key) const {
    if (auto v = value(credentials, key)) return v;
    return value(config, key);
  }
};

void load_profile(profile& p, const env_map& env, const shared_files& files) {
  if (auto n = lookup(env, "AWS_PROFILE")) {
    p.name = *n;
    p.explicit_choice = true;
  } else if (auto d = lookup(env, "AWS_DEFAULT_PROFILE")) {
    p.name = *d;
    p.explicit_choice = true;
  } else {
    p.name = "default";
  }
  if (files.credentials) p.credentials_doc = parse_ini(*files.credentials);
  if (files.config) p.config_doc = parse_ini(*files.config);
  p.credentials = section(p.credentials_doc, p.name);
  p.config = section(p.config_doc, p.name == "default" ? "default" : "profile " + p.name);
  if (!p.config && p.name == "default") p.config = section(p.config_doc, "profile default");
  if (p.explicit_choice && !p.credentials && !p.config)
    invalid("AWS profile '" + p.name + "' (from AWS_PROFILE) is not in the shared credentials or config file");
}

std::optional<std::string> profile_endpoint(const profile& p) {
  if (auto services = p.get("services")) {
    if (auto v = value(section(p.config_doc, "services " + *services), "dynamodb.endpoint_url")) return v;
  }
  return p.get("endpoint_url");
}

std::string default_endpoint(std::string_view region) {
  const bool china = region.starts_with("cn-");
  return "https://dynamodb." + std::string(region) + (china ? ".amazonaws.com.cn" : ".amazonaws.com");
}

}  // namespace

ini_document parse_ini(std::string_view text) {
  ini_document doc;
  ini_section* current = nullptr;
  std::string nested;  // the open nested block's key, e.g. "dynamodb"
  std::istringstream in{std::string(text)};
  for (std::string raw; std::getline(in, raw);) {
    std::string_view line = raw;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const bool indented = !line.empty() && (line.front() == ' ' || line.front() == '\t');
    const std::string_view t = trim(line);
    if (t.empty() || t.front() == '#' || t.front() == ';') continue;
    if (!indented && t.front() == '[' && t.back() == ']') {
      std::string name(trim(t.substr(1, t.size() - 2)));
      // Collapse inner runs of spaces so "[profile   x]" and "[profile x]" are the same section.
      std::string compact;
      for (char c : name)
        if (!(c == ' ' && !compact.empty() && compact.back() == ' ')) compact.push_back(c);
      current = &doc[compact];
      nested.clear();
      continue;
    }
    if (!current) continue;
    const std::size_t eq = t.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string key(trim(t.substr(0, eq)));
    const std::string val(trim(t.substr(eq + 1)));
    if (indented && !nested.empty()) {
      (*current)[nested + "." + key] = val;
    } else {
      (*current)[key] = val;
      nested = val.empty() ? key : std::string();
    }
  }
  return doc;
}

void validate_table_name(std::string_view name) {
  if (name.empty()) invalid("DynamoDB table_name is required");
  if (name.size() < 3 || name.size() > 255)
    invalid("DynamoDB table_name must be 3-255 characters, got " + std::to_string(name.size()));
  for (unsigned char c : name)
    if (!(std::isalnum(c) || c == '_' || c == '.' || c == '-'))
      invalid("DynamoDB table_name '" + std::string(name) + "' may contain only A-Z a-z 0-9 _ . -");
}

void validate_region(std::string_view region) {
  // botocore's pattern: ^[a-zA-Z0-9](?:[a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?$
  const bool ok =
      !region.empty() && region.size() <= 63 && std::isalnum(static_cast<unsigned char>(region.front())) &&
      std::isalnum(static_cast<unsigned char>(region.back())) &&
      std::all_of(region.begin(), region.end(), [](unsigned char c) { return std::isalnum(c) || c == '-'; });
  if (!ok) invalid("invalid AWS region '" + std::string(region) + "'");
}

endpoint_url_parts parse_endpoint_url(std::string_view url) {
  const auto bad = [&](std::string_view why) {
    invalid("invalid DynamoDB endpoint URL '" + std::string(url) + "': " + std::string(why));
  };
  endpoint_url_parts out;
  std::string_view rest = url;
  if (rest.starts_with("https://")) {
    out.tls = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    bad("the scheme must be http or https");
  }
  const std::size_t slash = rest.find('/');
  const std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (!path.empty() && path != "/") bad("DynamoDB endpoints take no path, query or fragment");
  std::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) bad("user information is not allowed");
  std::string_view port_text;
  if (authority.starts_with("[")) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) bad("unterminated IPv6 address");
    out.host = std::string(authority.substr(1, close - 1));
    // Hex digits, ':' and '.' (an embedded IPv4 address) only: the host goes into the Host header.
    for (unsigned char c : out.host)
      if (!(std::isxdigit(c) || c == ':' || c == '.')) bad("the IPv6 address has invalid characters");
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') bad("unexpected text after the IPv6 address");
      port_text = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    for (unsigned char c : out.host)
      if (!(std::isalnum(c) || c == '-' || c == '.' || c == '_')) bad("the host name has invalid characters");
  }
  if (out.host.empty()) bad("the host is missing");
  out.port = out.tls ? 443 : 80;
  if (!port_text.empty() || (authority.find(':') != std::string_view::npos && !authority.starts_with("["))) {
    unsigned port = 0;
    const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() || port == 0 ||
        port > 65535)
      bad("the port must be 1-65535");
    out.port = static_cast<std::uint16_t>(port);
  }
  return out;
}

bool is_loopback_host(std::string_view host) noexcept {
  return host == "localhost" || host.starts_with("127.") || host == "::1" || host.ends_with(".localhost");
}

resolved_config resolve_config(const DynamoDBOptions& options, const env_map& env, const shared_files& files) {
  validate_table_name(options.table_name);
  if (options.namespace_.empty()) invalid("DynamoDB namespace must not be empty");
  // clear() deletes by the prefix "<namespace>:"; with a ':' inside, namespace "a" would also
  // match every key of namespace "a:b".
  if (options.namespace_.find(':') != std::string::npos)
    invalid("DynamoDB namespace '" + options.namespace_ + "' must not contain ':'");
  if (options.max_attempts < 1) invalid("DynamoDB max_attempts must be at least 1");
  if (options.max_connections < 1) invalid("DynamoDB max_connections must be at least 1");
  if (options.read_budget.count() <= 0 || options.write_budget.count() <= 0 || options.admin_budget.count() <= 0)
    invalid("DynamoDB read_budget, write_budget and admin_budget must be positive");

  // The profile is read only when something falls through to it, as the SDKs do.
  std::optional<profile> prof;
  auto get_profile = [&]() -> const profile& {
    if (!prof) load_profile(prof.emplace(), env, files);
    return *prof;
  };

  resolved_config out;

  if (options.aws_access_key_id || options.aws_secret_access_key) {
    if (!options.aws_access_key_id || !options.aws_secret_access_key || options.aws_access_key_id->empty() ||
        options.aws_secret_access_key->empty())
      invalid("aws_access_key_id and aws_secret_access_key must be given together");
    out.creds = {*options.aws_access_key_id, *options.aws_secret_access_key, options.aws_session_token.value_or("")};
  } else if (auto id = lookup(env, "AWS_ACCESS_KEY_ID"), secret = lookup(env, "AWS_SECRET_ACCESS_KEY"); id || secret) {
    if (!id || !secret) invalid("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
    auto token = lookup(env, "AWS_SESSION_TOKEN");
    if (!token) token = lookup(env, "AWS_SECURITY_TOKEN");
    out.creds = {*id, *secret, token.value_or("")};
  } else {
    const profile& p = get_profile();
    auto pid = p.get("aws_access_key_id");
    auto psecret = p.get("aws_secret_access_key");
    if (pid && psecret) {
      out.creds = {*pid, *psecret, p.get("aws_session_token").value_or("")};
    } else if (pid || psecret) {
      invalid("AWS profile '" + p.name + "' has only one of aws_access_key_id and aws_secret_access_key");
    }
  }

  if (options.region_name) {
    out.region = *options.region_name;
  } else if (auto r = lookup(env, "AWS_REGION")) {
    out.region = *r;
  } else if (auto dr = lookup(env, "AWS_DEFAULT_REGION")) {
    out.region = *dr;
  } else {
    out.region = get_profile().get("region").value_or("us-east-1");
  }
  validate_region(out.region);

  if (options.endpoint_url) {
    out.endpoint_url = *options.endpoint_url;
  } else {
    const bool ignore_configured = is_true(lookup(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").value_or("")) ||
                                   (!lookup(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") &&
                                    is_true(get_profile().get("ignore_configured_endpoint_urls").value_or("")));
    std::optional<std::string> configured;
    if (!ignore_configured) {
      configured = lookup(env, "AWS_ENDPOINT_URL_DYNAMODB");
      if (!configured) configured = lookup(env, "AWS_ENDPOINT_URL");
      if (!configured) configured = profile_endpoint(get_profile());
    }
    out.endpoint_url = configured.value_or(default_endpoint(out.region));
  }
  out.endpoint = parse_endpoint_url(out.endpoint_url);

  if (out.creds.access_key_id.empty()) {
    if (!is_loopback_host(out.endpoint.host))
      invalid("no AWS credentials found for " + out.endpoint_url +
              ": set aws_access_key_id/aws_secret_access_key, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or a profile "
              "in the shared credentials file");
    // Letters only: DynamoDB Local refuses access key ids with other characters.
    out.creds = {"fastcachelocal", "fastcachelocal", ""};
    out.local_credentials = true;
  }
  return out;
}

env_map process_environment() {
  env_map env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry = *e;
    const std::size_t eq = entry.find('=');
    if (eq != std::string_view::npos) env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

shared_files read_shared_files(const env_map& env) {
  const std::string home = lookup(env, "HOME").value_or("");
  auto read = [](const std::string& path) -> std::optional<std::string> {
    if (path.empty()) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  };
  auto path_of = [&](std::string_view var, std::string_view file) {
    if (auto p = lookup(env, var)) {
      if (p->starts_with("~/") && !home.empty()) return home + p->substr(1);
      return *p;
    }
    return home.empty() ? std::string() : home + "/.aws/" + std::string(file);
  };
  return {read(path_of("AWS_SHARED_CREDENTIALS_FILE", "credentials")), read(path_of("AWS_CONFIG_FILE", "config"))};
}

}  // namespace fast_cache::dynamodb
