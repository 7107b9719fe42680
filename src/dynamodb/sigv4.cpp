#include "dynamodb/sigv4.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <map>

namespace fast_cache::dynamodb {
namespace {

constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";

// botocore auth.py SIGNED_HEADERS_BLACKLIST: headers that proxies and clients may rewrite.
constexpr std::array<std::string_view, 11> unsigned_headers = {
    "connection",        "expect",  "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id"};

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

void append_encoded(std::string& out, std::string_view bytes, bool keep_slash) {
  static constexpr char digits[] = "0123456789ABCDEF";
  for (unsigned char c : bytes) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 0xf]);
    }
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return out;
}

std::string trimall(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      pending_space = !out.empty();
    } else {
      if (pending_space) out.push_back(' ');
      pending_space = false;
      out.push_back(c);
    }
  }
  return out;
}

void set_header(header_list& headers, std::string_view name, std::string value) {
  const std::string lower = lowercase(name);
  std::erase_if(headers, [&](const auto& h) { return lowercase(h.first) == lower; });
  headers.emplace_back(std::string(name), std::move(value));
}

}  // namespace

std::string amz_date(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[17];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string canonical_uri(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> segments;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    const std::size_t slash = path.find('/', pos);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    const std::string_view seg = path.substr(pos, end - pos);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  const std::string_view last = path.substr(path.rfind('/') + 1);
  const bool trailing_slash = !segments.empty() && (last.empty() || last == "." || last == "..");
  std::string out = "/";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i) out.push_back('/');
    append_encoded(out, segments[i], false);
  }
  if (trailing_slash) out.push_back('/');
  return out;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t pos = 0;
  while (pos < query.size()) {
    std::size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view param = query.substr(pos, amp - pos);
    pos = amp + 1;
    if (param.empty()) continue;
    const std::size_t eq = param.find('=');
    std::string key, value;
    append_encoded(key, percent_decode(param.substr(0, eq)), false);
    if (eq != std::string_view::npos) append_encoded(value, percent_decode(param.substr(eq + 1)), false);
    params.emplace_back(std::move(key), std::move(value));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out += k;
    out.push_back('=');
    out += v;
  }
  return out;
}

std::pair<std::string, std::string> canonical_headers(const header_list& headers) {
  // std::map keeps names sorted; values of a repeated header stay in arrival order.
  std::map<std::string, std::string> merged;
  for (const auto& [name, value] : headers) {
    std::string lower = lowercase(name);
    if (std::find(unsigned_headers.begin(), unsigned_headers.end(), lower) != unsigned_headers.end()) continue;
    auto [it, inserted] = merged.try_emplace(std::move(lower), trimall(value));
    if (!inserted) {
      it->second.push_back(',');
      it->second += trimall(value);
    }
  }
  std::string block, names;
  for (const auto& [name, value] : merged) {
    block += name;
    block.push_back(':');
    block += value;
    block.push_back('\n');
    if (!names.empty()) names.push_back(';');
    names += name;
  }
  return {std::move(block), std::move(names)};
}

namespace {

// The canonical request for already-canonical headers, so signing computes them once.
std::string assemble_canonical_request(const signable_request& request, std::string_view header_block,
                                       std::string_view signed_names, std::string_view payload_hash) {
  const std::string_view target = request.target;
  const std::size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  std::string out;
  out.reserve(256 + header_block.size());
  out += request.method;
  out.push_back('\n');
  out += canonical_uri(path);
  out.push_back('\n');
  out += canonical_query(query);
  out.push_back('\n');
  out += header_block;
  out.push_back('\n');
  out += signed_names;
  out.push_back('\n');
  out += payload_hash;
  return out;
}

}  // namespace

std::string canonical_request(const signable_request& request, std::string_view payload_hash) {
  const auto [block, names] = canonical_headers(request.headers);
  return assemble_canonical_request(request, block, names, payload_hash);
}

std::string string_to_sign(std::string_view date, std::string_view scope, std::string_view creq) {
  std::string out;
  out += algorithm;
  out.push_back('\n');
  out += date;
  out.push_back('\n');
  out += scope;
  out.push_back('\n');
  out += sha256_hex(creq);
  return out;
}

signer::signer(credentials creds, std::string region, std::string service)
    : creds_(std::move(creds)), region_(std::move(region)), service_(std::move(service)) {}

sha256_digest signer::signing_key(std::string_view date) const {
  std::lock_guard lock(mutex_);
  if (cached_date_ != date) {
    auto as_view = [](const sha256_digest& d) {
      return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
    };
    const sha256_digest k_date = hmac_sha256("AWS4" + creds_.secret_access_key, date);
    const sha256_digest k_region = hmac_sha256(as_view(k_date), region_);
    const sha256_digest k_service = hmac_sha256(as_view(k_region), service_);
    cached_key_ = hmac_sha256(as_view(k_service), "aws4_request");
    cached_date_ = std::string(date);
  }
  return cached_key_;
}

std::string signer::authorization(const signable_request& request, std::string_view date_time) const {
  const std::string_view date = date_time.substr(0, 8);
  const std::string scope = std::string(date) + '/' + region_ + '/' + service_ + "/aws4_request";
  const auto [block, names] = canonical_headers(request.headers);
  const std::string creq = assemble_canonical_request(request, block, names, sha256_hex(request.body));
  const sha256_digest key = signing_key(date);
  const std::string signature = hex(hmac_sha256(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()),
                                                string_to_sign(date_time, scope, creq)));
  std::string out;
  out += algorithm;
  out += " Credential=";
  out += creds_.access_key_id;
  out += '/';
  out += scope;
  out += ", SignedHeaders=";
  out += names;
  out += ", Signature=";
  out += signature;
  return out;
}

void signer::sign(signable_request& request, std::chrono::system_clock::time_point now) const {
  const std::string date_time = amz_date(now);
  set_header(request.headers, "X-Amz-Date", date_time);
  if (creds_.session_token.empty()) {
    // A token left from earlier credentials would be signed and sent, and refused.
    std::erase_if(request.headers, [](const auto& h) { return lowercase(h.first) == "x-amz-security-token"; });
  } else {
    set_header(request.headers, "X-Amz-Security-Token", creds_.session_token);
  }
  std::erase_if(request.headers, [](const auto& h) { return lowercase(h.first) == "authorization"; });
  std::string authz = authorization(request, date_time);
  request.headers.emplace_back("Authorization", std::move(authz));
}

}  // namespace fast_cache::dynamodb
