#include <fast_cache/detail/stored_value.hpp>

#include "core/big_endian.hpp"

#include <algorithm>
#include <limits>
#include <string_view>

namespace fast_cache::detail {

namespace {

constexpr std::string_view magic = "FCV1";
constexpr std::uint8_t none_flag = 1;

}  // namespace

std::string encode_stored_value(const stored_value& v) {
  std::string out;
  std::size_t size = magic.size() + 1 + 8 + 8 + 4 + 1 + v.value.size();
  for (const std::string& version : v.tag_versions) size += 1 + version.size();
  out.reserve(size);
  out.append(magic);
  put_big_endian<std::uint8_t>(out, v.none ? none_flag : 0);
  put_big_endian<std::int64_t>(out, v.stored_at_ms);
  put_big_endian<std::int64_t>(out, v.fresh_until_ms);
  put_big_endian<std::uint32_t>(out, v.compute_ms);
  // Tag versions are short tokens the library makes; the bounds only guard the layout.
  const std::size_t count = std::min<std::size_t>(v.tag_versions.size(), std::numeric_limits<std::uint8_t>::max());
  put_big_endian<std::uint8_t>(out, static_cast<std::uint8_t>(count));
  for (std::size_t i = 0; i < count; ++i) {
    const std::string& version = v.tag_versions[i];
    const std::size_t length = std::min<std::size_t>(version.size(), std::numeric_limits<std::uint8_t>::max());
    put_big_endian<std::uint8_t>(out, static_cast<std::uint8_t>(length));
    out.append(version, 0, length);
  }
  out.append(v.value);
  return out;
}

decoded_stored_value decode_stored_value(std::string bytes) {
  constexpr const char* not_a_value = "not a cached value with metadata (format FCV1)";
  big_endian_reader in(bytes);
  if (in.bytes(magic.size()) != magic) return {std::nullopt, not_a_value};
  stored_value v;
  const auto flags = in.get<std::uint8_t>();
  v.none = (flags & none_flag) != 0;
  v.stored_at_ms = in.get<std::int64_t>();
  v.fresh_until_ms = in.get<std::int64_t>();
  v.compute_ms = in.get<std::uint32_t>();
  const auto count = in.get<std::uint8_t>();
  for (std::uint8_t i = 0; i < count && in.ok(); ++i) v.tag_versions.emplace_back(in.bytes(in.get<std::uint8_t>()));
  if (!in.ok()) return {std::nullopt, not_a_value};
  if ((flags & ~none_flag) != 0) return {std::nullopt, "cached value with unknown flags"};
  if (v.stored_at_ms < 0 || (v.fresh_until_ms != 0 && v.fresh_until_ms < v.stored_at_ms)) {
    return {std::nullopt, "cached value with impossible times"};
  }
  if (v.none && in.remaining() != 0) return {std::nullopt, "cached none that carries a value"};
  bytes.erase(0, bytes.size() - in.remaining());
  v.value = std::move(bytes);
  return {std::move(v), nullptr};
}

}  // namespace fast_cache::detail
