#include "dynamodb/sigv4.hpp"

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <array>

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

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// Names compared as their lowercase forms, without making them.
bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Appends value trimmed, with inner runs of whitespace collapsed to one space.
void append_trimmed(std::string& out, std::string_view value) {
  while (!value.empty() && is_space(value.front())) value.remove_prefix(1);
  while (!value.empty() && is_space(value.back())) value.remove_suffix(1);
  // Most values have nothing to collapse: appended in one go.
  const auto collapsible = [](char a, char b) { return is_space(a) && (a != ' ' || is_space(b)); };
  if (std::adjacent_find(value.begin(), value.end(), collapsible) == value.end()) {
    out += value;
    return;
  }
  bool pending_space = false;
  for (char c : value) {
    if (is_space(c)) {
      pending_space = true;
    } else {
      if (pending_space) out.push_back(' ');
      pending_space = false;
      out.push_back(c);
    }
  }
}

void set_header(header_list& headers, std::string_view name, std::string value) {
  std::erase_if(headers, [&](const auto& h) { return same_name(h.first, name); });
  headers.emplace_back(std::string(name), std::move(value));
}

// Appends the canonical header block ("name:value\n" each) to `block` and the signed header
// names (";"-separated) to `names`. Signing runs this on every request, so it works on views:
// the lowercased names side by side in one buffer, the few headers put in order by insertion.
void append_canonical_headers(const header_list& headers, std::string& block, std::string& names) {
  struct entry {
    std::size_t offset, size;  // of the lowercased name in `lowered`
    std::string_view value;
  };
  boost::container::small_vector<char, 256> lowered;
  boost::container::small_vector<entry, 16> signed_headers;
  for (const auto& [name, value] : headers) {
    const std::size_t offset = lowered.size();
    lowered.resize(offset + name.size());
    std::transform(name.begin(), name.end(), lowered.begin() + static_cast<std::ptrdiff_t>(offset), lower);
    const std::string_view lower_name(lowered.data() + offset, name.size());
    if (std::find(unsigned_headers.begin(), unsigned_headers.end(), lower_name) != unsigned_headers.end()) {
      lowered.resize(offset);
      continue;
    }
    signed_headers.push_back({offset, name.size(), value});
  }
  const auto name_of = [&lowered](const entry& e) { return std::string_view(lowered.data() + e.offset, e.size); };
  // Stable, so the values of a repeated header stay in arrival order.
  for (std::size_t i = 1; i < signed_headers.size(); ++i) {
    const entry e = signed_headers[i];
    std::size_t j = i;
    for (; j > 0 && name_of(e) < name_of(signed_headers[j - 1]); --j) signed_headers[j] = signed_headers[j - 1];
    signed_headers[j] = e;
  }
  for (std::size_t i = 0; i < signed_headers.size(); ++i) {
    const std::string_view name = name_of(signed_headers[i]);
    if (i > 0 && name == name_of(signed_headers[i - 1])) {
      block.back() = ',';  // in place of the previous value's newline
    } else {
      if (!names.empty()) names.push_back(';');
      names += name;
      block += name;
      block.push_back(':');
    }
    append_trimmed(block, signed_headers[i].value);
    block.push_back('\n');
  }
}

using amz_date_text = std::array<char, 16>;

// Formatted by hand from the civil date: strftime costs a locale lookup on every request.
amz_date_text format_amz_date(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto day = floor<days>(secs);
  const year_month_day ymd(day);
  const hh_mm_ss time(secs - day);
  amz_date_text out = {'0', '0', '0', '0', '0', '0', '0', '0', 'T', '0', '0', '0', '0', '0', '0', 'Z'};
  const auto put = [&out](std::size_t end, long value) {
    for (std::size_t i = end; value > 0; value /= 10) out[--i] = static_cast<char>('0' + value % 10);
  };
  put(4, static_cast<int>(ymd.year()));
  put(6, static_cast<unsigned>(ymd.month()));
  put(8, static_cast<unsigned>(ymd.day()));
  put(11, time.hours().count());
  put(13, time.minutes().count());
  put(15, time.seconds().count());
  return out;
}

}  // namespace

std::string amz_date(std::chrono::system_clock::time_point t) {
  const amz_date_text text = format_amz_date(t);
  return std::string(text.data(), text.size());
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
  std::string block, names;
  append_canonical_headers(headers, block, names);
  return {std::move(block), std::move(names)};
}

namespace {

// Appends the canonical request of `request`, whose signed header names go to `names`.
void append_canonical_request(std::string& out, std::string& names, const signable_request& request,
                              std::string_view payload_hash) {
  const std::string_view target = request.target;
  const std::size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  out += request.method;
  out.push_back('\n');
  out += canonical_uri(path);
  out.push_back('\n');
  out += canonical_query(query);
  out.push_back('\n');
  append_canonical_headers(request.headers, out, names);
  out.push_back('\n');
  out += names;
  out.push_back('\n');
  out += payload_hash;
}

void append_string_to_sign(std::string& out, std::string_view date, std::string_view scope, std::string_view creq) {
  out += algorithm;
  out.push_back('\n');
  out += date;
  out.push_back('\n');
  out += scope;
  out.push_back('\n');
  append_hex(out, sha256(creq));
}

// What authorization() builds on the way, kept per thread so a warm signer allocates only its answer.
struct scratch {
  std::string payload_hash, creq, names, to_sign;
  void clear() {
    payload_hash.clear();
    creq.clear();
    names.clear();
    to_sign.clear();
  }
};

}  // namespace

std::string canonical_request(const signable_request& request, std::string_view payload_hash) {
  std::string out, names;
  append_canonical_request(out, names, request, payload_hash);
  return out;
}

std::string string_to_sign(std::string_view date, std::string_view scope, std::string_view creq) {
  std::string out;
  append_string_to_sign(out, date, scope, creq);
  return out;
}

signer::signer(credentials creds, std::string region, std::string service)
    : creds_(std::move(creds)),
      region_(std::move(region)),
      service_(std::move(service)),
      scope_suffix_('/' + region_ + '/' + service_ + "/aws4_request") {}

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
  thread_local scratch buffers;
  buffers.clear();
  std::string out;
  // Room for the signed header names (under 100 bytes for DynamoDB's) and the signature.
  out.reserve(algorithm.size() + creds_.access_key_id.size() + scope_suffix_.size() + 256);
  out += algorithm;
  out += " Credential=";
  out += creds_.access_key_id;
  out += '/';
  const std::size_t scope_start = out.size();
  out += date;
  out += scope_suffix_;
  const std::string_view scope = std::string_view(out).substr(scope_start);

  append_hex(buffers.payload_hash, sha256(request.body));
  append_canonical_request(buffers.creq, buffers.names, request, buffers.payload_hash);
  append_string_to_sign(buffers.to_sign, date_time, scope, buffers.creq);
  const sha256_digest key = signing_key(date);
  const sha256_digest signature =
      hmac_sha256(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()), buffers.to_sign);
  out += ", SignedHeaders=";
  out += buffers.names;
  out += ", Signature=";
  append_hex(out, signature);
  return out;
}

void signer::sign(signable_request& request, std::chrono::system_clock::time_point now) const {
  const amz_date_text text = format_amz_date(now);
  const std::string_view date_time(text.data(), text.size());
  set_header(request.headers, "X-Amz-Date", std::string(date_time));
  if (creds_.session_token.empty()) {
    // A token left from earlier credentials would be signed and sent, and refused.
    std::erase_if(request.headers, [](const auto& h) { return same_name(h.first, "x-amz-security-token"); });
  } else {
    set_header(request.headers, "X-Amz-Security-Token", creds_.session_token);
  }
  std::erase_if(request.headers, [](const auto& h) { return same_name(h.first, "authorization"); });
  std::string authz = authorization(request, date_time);
  request.headers.emplace_back("Authorization", std::move(authz));
}

}  // namespace fast_cache::dynamodb
