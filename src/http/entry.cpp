#include <fast_cache/http/entry.hpp>
#include <fast_cache/http/etag.hpp>
#include <fast_cache/http/request_view.hpp>

#include "core/big_endian.hpp"
#include "http/entry_mac.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <string_view>

namespace fast_cache::http {

namespace {

constexpr std::string_view magic = "FCH3";

// Headers that describe the representation, and the handler's caching directives; everything else
// is per-response, hop-by-hop or per-user.
constexpr std::array<std::string_view, 10> replayable = {
    "cache-control",
    "content-type",
    "content-encoding",
    "content-language",
    "content-disposition",
    "content-location",
    "last-modified",
    "link",
    "location",
    "vary",
};

// RFC 9110 section 5.6.2's tchar, as a table: every header name of every hit is checked.
constexpr std::array<bool, 256> token_chars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (const char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool is_header_name(std::string_view name) noexcept {
  return !name.empty() &&
         std::all_of(name.begin(), name.end(), [](char c) { return token_chars[static_cast<unsigned char>(c)]; });
}

// Field values (RFC 9110 section 5.5): visible characters, space, tab and obs-text. CR, LF and NUL
// would let a stored value start another header or response.
bool is_header_value(std::string_view value) noexcept {
  return std::all_of(value.begin(), value.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c == '\t' || (c >= 0x20 && c != 0x7f);
  });
}

// One strong entity-tag (RFC 9110 section 8.8.3): a quoted string of etagc characters.
bool is_strong_etag(std::string_view tag) noexcept {
  if (tag.size() < 2 || tag.front() != '"' || tag.back() != '"') return false;
  tag = tag.substr(1, tag.size() - 2);
  return std::all_of(tag.begin(), tag.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c == 0x21 || (c >= 0x23 && c != 0x7f);
  });
}

// Why a decoded entry cannot be served, or null when it can.
const char* invalid_entry(const entry& e) noexcept {
  if (e.status < 200 || e.status > 599) return "cached HTTP response with an impossible status";
  if (e.stored_at < 0 || (e.expires_at != 0 && e.expires_at < e.stored_at)) {
    return "cached HTTP response with impossible times";
  }
  if (!is_strong_etag(e.etag)) return "cached HTTP response with a malformed ETag";
  for (const header_field& h : e.headers) {
    if (!is_header_name(h.name) || !is_header_value(h.value)) return "cached HTTP response with a malformed header";
    if (!is_replayable_header(h.name)) return "cached HTTP response with a header that is never replayed";
  }
  return nullptr;
}

}  // namespace

bool is_replayable_header(std::string_view name) noexcept {
  for (const std::string_view r : replayable) {
    if (iequals(name, r)) return true;
  }
  return false;
}

std::string encode_entry(const entry& e, entry_seal seal) {
  const bool sealed = !seal.secret.empty();
  std::size_t size = magic.size() + 1 + (sealed ? detail::entry_mac_size : 0) + 2 + 8 + 8 + 4 + 1 + e.etag.size() + 1 +
                     2 + e.body.size();
  for (const header_field& h : e.headers) size += 2 + h.name.size() + 4 + h.value.size();
  for (const std::string& version : e.tag_versions) size += 1 + version.size();
  std::string out;
  out.reserve(size);
  out.append(magic);
  fast_cache::detail::put_big_endian<std::uint8_t>(out, static_cast<std::uint8_t>(sealed ? detail::entry_mac_size : 0));
  const std::size_t mac_at = out.size();
  if (sealed) out.append(detail::entry_mac_size, '\0');
  const std::size_t sealed_from = out.size();
  fast_cache::detail::put_big_endian<std::uint16_t>(out, static_cast<std::uint16_t>(e.status));
  fast_cache::detail::put_big_endian<std::int64_t>(out, e.stored_at);
  fast_cache::detail::put_big_endian<std::int64_t>(out, e.expires_at);
  fast_cache::detail::put_big_endian<std::uint32_t>(out, e.compute_ms);
  const std::size_t etag_size = std::min<std::size_t>(e.etag.size(), std::numeric_limits<std::uint8_t>::max());
  fast_cache::detail::put_big_endian<std::uint8_t>(out, static_cast<std::uint8_t>(etag_size));
  out.append(e.etag, 0, etag_size);
  // Tag versions are short tokens the library makes; the bounds only guard the layout.
  const std::size_t tags = std::min<std::size_t>(e.tag_versions.size(), std::numeric_limits<std::uint8_t>::max());
  fast_cache::detail::put_big_endian<std::uint8_t>(out, static_cast<std::uint8_t>(tags));
  for (std::size_t i = 0; i < tags; ++i) {
    const std::string& version = e.tag_versions[i];
    const std::size_t length = std::min<std::size_t>(version.size(), std::numeric_limits<std::uint8_t>::max());
    fast_cache::detail::put_big_endian<std::uint8_t>(out, static_cast<std::uint8_t>(length));
    out.append(version, 0, length);
  }
  const std::size_t count = std::min<std::size_t>(e.headers.size(), std::numeric_limits<std::uint16_t>::max());
  fast_cache::detail::put_big_endian<std::uint16_t>(out, static_cast<std::uint16_t>(count));
  for (std::size_t i = 0; i < count; ++i) {
    const header_field& h = e.headers[i];
    const std::size_t name_size = std::min<std::size_t>(h.name.size(), std::numeric_limits<std::uint16_t>::max());
    fast_cache::detail::put_big_endian<std::uint16_t>(out, static_cast<std::uint16_t>(name_size));
    out.append(h.name, 0, name_size);
    const std::size_t value_size = std::min<std::size_t>(h.value.size(), std::numeric_limits<std::uint32_t>::max());
    fast_cache::detail::put_big_endian<std::uint32_t>(out, static_cast<std::uint32_t>(value_size));
    out.append(h.value, 0, value_size);
  }
  out.append(e.body);
  if (sealed) {
    const detail::entry_mac mac =
        detail::compute_entry_mac(seal.secret, magic, seal.key, std::string_view(out).substr(sealed_from));
    std::copy(mac.begin(), mac.end(), out.begin() + static_cast<std::ptrdiff_t>(mac_at));
  }
  return out;
}

decoded_entry decode_entry(std::string bytes, entry_seal seal) {
  constexpr const char* not_an_entry = "not a cached HTTP response";
  fast_cache::detail::big_endian_reader in(bytes);
  if (in.bytes(magic.size()) != magic) return {std::nullopt, not_an_entry};
  const std::string_view mac = in.bytes(in.get<std::uint8_t>());
  if (!in.ok()) return {std::nullopt, not_an_entry};
  if (!seal.secret.empty()) {
    const std::string_view sealed_bytes = std::string_view(bytes).substr(bytes.size() - in.remaining());
    if (!detail::same_mac(detail::compute_entry_mac(seal.secret, magic, seal.key, sealed_bytes), mac)) {
      return {std::nullopt, "cached HTTP response failed authentication"};
    }
  }
  entry e;
  e.status = in.get<std::uint16_t>();
  e.stored_at = in.get<std::int64_t>();
  e.expires_at = in.get<std::int64_t>();
  e.compute_ms = in.get<std::uint32_t>();
  e.etag = in.bytes(in.get<std::uint8_t>());
  const auto tags = in.get<std::uint8_t>();
  for (std::uint8_t i = 0; i < tags && in.ok(); ++i) e.tag_versions.emplace_back(in.bytes(in.get<std::uint8_t>()));
  const auto count = in.get<std::uint16_t>();
  if (!in.ok()) return {std::nullopt, not_an_entry};
  // Each header takes at least six bytes: a count past what is left cannot be honest.
  if (count > in.remaining() / 6) return {std::nullopt, not_an_entry};
  e.headers.reserve(count);
  for (std::uint16_t i = 0; i < count && in.ok(); ++i) {
    header_field h;
    h.name = in.bytes(in.get<std::uint16_t>());
    h.value = in.bytes(in.get<std::uint32_t>());
    e.headers.push_back(std::move(h));
  }
  if (!in.ok()) return {std::nullopt, not_an_entry};
  if (const char* problem = invalid_entry(e)) return {std::nullopt, problem};
  // The body is the tail: drop the prefix in place instead of copying the body out.
  bytes.erase(0, bytes.size() - in.remaining());
  e.body = std::move(bytes);
  return {std::move(e), nullptr};
}

std::int64_t expires_at_for(clock::time_point now, std::optional<std::chrono::milliseconds> lifetime) {
  if (!lifetime) return 0;
  return std::chrono::floor<std::chrono::seconds>(now.time_since_epoch() + *lifetime).count();
}

entry make_entry(unsigned status, std::vector<header_field> headers, std::string body, clock::time_point now,
                 std::optional<std::chrono::milliseconds> lifetime) {
  entry e;
  e.status = status;
  e.stored_at = std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
  e.expires_at = expires_at_for(now, lifetime);
  e.etag = make_etag(body);
  e.headers = std::move(headers);
  e.body = std::move(body);
  return e;
}

bool is_expired(const entry& e, clock::time_point now) noexcept { return e.expires_at != 0 && max_age(e, now) <= 0; }

std::int64_t max_age(const entry& e, clock::time_point now) noexcept {
  constexpr std::int64_t one_year = 365LL * 24 * 60 * 60;
  if (e.expires_at == 0) return one_year;
  const std::int64_t now_s = std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
  return e.expires_at > now_s ? e.expires_at - now_s : 0;
}

std::int64_t age(const entry& e, clock::time_point now) noexcept {
  const std::int64_t now_s = std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
  return now_s > e.stored_at ? now_s - e.stored_at : 0;
}

}  // namespace fast_cache::http
