#include "dynamodb/layout.hpp"

#include "dynamodb/crypto.hpp"

#include <fast_cache/error.hpp>

namespace fast_cache::dynamodb {

bool is_valid_utf8(std::string_view bytes) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = p + bytes.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    std::size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (static_cast<std::size_t>(end - p) <= n) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (std::size_t i = 2; i <= n; ++i)
      if (p[i] < 0x80 || p[i] > 0xBF) return false;
    p += n + 1;
  }
  return true;
}

std::string cache_key(std::string_view ns, std::string_view key) {
  std::string out;
  out.reserve(ns.size() + 1 + key.size());
  out += ns;
  out.push_back(':');
  if (ns.size() + 1 + key.size() > max_plain_key_bytes || !is_valid_utf8(key) || key.starts_with(hashed_prefix)) {
    out += hashed_prefix;
    out += sha256_hex(key);
  } else {
    out += key;
  }
  return out;
}

std::size_t item_size(std::string_view key, std::size_t value_bytes, bool has_ttl) noexcept {
  // A number takes about one byte per two significant digits plus one; 21 covers any epoch second.
  constexpr std::size_t max_number_bytes = 21;
  std::size_t size = key_attribute.size() + key.size() + value_attribute.size() + value_bytes;
  if (has_ttl) size += ttl_attribute.size() + max_number_bytes;
  return size;
}

void check_item_size(std::string_view key, std::size_t value_bytes, bool has_ttl) {
  const std::size_t size = item_size(key, value_bytes, has_ttl);
  if (size > max_item_bytes)
    throw Error(errc::value_too_large, "value of " + std::to_string(value_bytes) +
                                           " bytes does not fit DynamoDB: the item would be " + std::to_string(size) +
                                           " bytes, over the " + std::to_string(max_item_bytes) +
                                           "-byte (400 KB) item limit");
}

std::int64_t ttl_epoch_seconds(std::chrono::system_clock::time_point now, std::chrono::milliseconds lifetime) {
  const auto expires = std::chrono::ceil<std::chrono::seconds>(now.time_since_epoch() + lifetime);
  return expires.count();
}

std::int64_t first_live_ttl(std::chrono::system_clock::time_point now) noexcept {
  return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() + 1;
}

bool stored_item::live_at(std::chrono::system_clock::time_point now) const noexcept {
  return !ttl || *ttl >= first_live_ttl(now);
}

time_left stored_item::remaining_at(std::chrono::system_clock::time_point now) const noexcept {
  if (!ttl) return time_left{.what = time_left::kind::never};
  const auto expires = std::chrono::system_clock::time_point(std::chrono::seconds(*ttl));
  return time_left{.what = time_left::kind::known, .left = std::chrono::duration_cast<duration>(expires - now)};
}

}  // namespace fast_cache::dynamodb
