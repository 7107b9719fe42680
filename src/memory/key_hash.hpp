// The 64-bit hash of a key, which shard, table slot and frequency sketch all draw on, and the
// comparison that confirms a hash match.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace fast_cache::detail::memory {

namespace hash_detail {

__extension__ using uint128 = unsigned __int128;

// The 128-bit product of a and b folded to 64 bits: every input bit reaches every output bit,
// the mixing step of the wyhash family, at one multiply.
inline std::uint64_t fold_multiply(std::uint64_t a, std::uint64_t b) noexcept {
  const uint128 product = static_cast<uint128>(a) * b;
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

inline std::uint64_t load64(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline std::uint64_t load32(const char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline constexpr std::uint64_t k0 = 0xa0761d6478bd642full;
inline constexpr std::uint64_t k1 = 0xe7037ed1a0b428dbull;
inline constexpr std::uint64_t k2 = 0x8ebc6af09c88c6e3ull;

}  // namespace hash_detail

/// A fast hash in the style of wyhash: 16 bytes per multiply, a key of up to 16 bytes in two
/// overlapping loads, so a 30-byte key costs about 30 instructions where std::hash (murmur2,
/// 8 bytes per step plus a tail loop) took about 100. Not keyed: keys an attacker chooses can
/// collide in the table as with std::hash, and the shard's probe stays correct, only slower.
[[nodiscard]] inline std::uint64_t hash_key(std::string_view key) noexcept {
  using namespace hash_detail;
  const char* p = key.data();
  std::size_t n = key.size();
  std::uint64_t seed = k0 ^ n;
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  if (n <= 16) {
    if (n >= 8) {
      a = load64(p);
      b = load64(p + n - 8);
    } else if (n >= 4) {
      a = load32(p);
      b = load32(p + n - 4);
    } else if (n > 0) {
      const auto byte = [p](std::size_t i) { return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])); };
      a = byte(0) << 16 | byte(n >> 1) << 8 | byte(n - 1);
    }
  } else {
    for (; n > 16; p += 16, n -= 16) seed = fold_multiply(load64(p) ^ k1, load64(p + 8) ^ seed);
    a = load64(p + n - 16);  // the last 16 bytes, overlapping what the loop took
    b = load64(p + n - 8);
  }
  return fold_multiply(k2 ^ key.size(), fold_multiply(a ^ k1, b ^ seed));
}

/// Whether a and b hold the same bytes. Keys of up to 32 bytes, the usual ones, are compared in
/// overlapping 8-byte words inline, where a call to memcmp cost about 25 instructions a probe.
[[nodiscard]] inline bool same_key(std::string_view a, std::string_view b) noexcept {
  using hash_detail::load64;
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  const char* p = a.data();
  const char* q = b.data();
  if (n < 8 || n > 32) return n == 0 || std::memcmp(p, q, n) == 0;
  // Words from the front and from the back cover n bytes between them, overlapping as needed.
  std::uint64_t diff = (load64(p) ^ load64(q)) | (load64(p + n - 8) ^ load64(q + n - 8));
  if (n > 16) diff |= (load64(p + 8) ^ load64(q + 8)) | (load64(p + n - 16) ^ load64(q + n - 16));
  return diff == 0;
}

}  // namespace fast_cache::detail::memory
