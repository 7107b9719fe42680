// A cached() value stored with the metadata that policies beyond a plain TTL need: when it goes
// stale, how long it took to compute, the tag versions it was computed under, and whether it is
// a cached "none". Values of functions without such policies are stored as their codec bytes
// alone, readable by any other client of the backend.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fast_cache::detail {

struct stored_value {
  /// A cached std::nullopt (negative caching); `value` is empty then.
  bool none = false;
  /// When stored and when it stops being fresh, in epoch milliseconds (the Cache's clock); 0 =
  /// never stale. Written into the value so every process judges freshness the same way,
  /// whatever the backend's own TTL (which covers the stale windows too).
  std::int64_t stored_at_ms = 0;
  std::int64_t fresh_until_ms = 0;
  /// How long the function took: the time an early refresh must start ahead (XFetch's delta).
  std::uint32_t compute_ms = 0;
  /// The versions of the value's tags when its computation began, in the order of its tags.
  std::vector<std::string> tag_versions{};
  /// The value's codec bytes.
  std::string value{};
};

/// Layout, integers big-endian:
///
///     "FCV1"                     magic and format version
///     u8  flags                  bit 0: none
///     i64 stored_at_ms, i64 fresh_until_ms
///     u32 compute_ms
///     u8  tag count, then per tag: u8 length, version bytes
///     value                      every remaining byte
[[nodiscard]] std::string encode_stored_value(const stored_value& v);

struct decoded_stored_value {
  std::optional<stored_value> value;
  /// Why value is empty (not such a value, or impossible fields); null when value is set.
  const char* problem = nullptr;
};

/// Parses encode_stored_value's output. Takes the bytes by value so the value reuses their buffer.
[[nodiscard]] decoded_stored_value decode_stored_value(std::string bytes);

}  // namespace fast_cache::detail
