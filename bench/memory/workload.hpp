// The throughput workload every side measures (this benchmark, count_ops, and the Caffeine
// harness in bench/caffeine, which builds the same keys): 30-byte keys, 100-byte values.
#pragma once

#include <cstddef>
#include <string>

namespace fast_cache::bench {

inline constexpr std::size_t key_length = 30;
inline constexpr std::size_t value_length = 100;

/// Key number i: "session:user:" then i, zero-padded to key_length.
inline std::string workload_key(std::size_t i) {
  std::string key = "session:user:" + std::to_string(i);
  key.insert(13, key_length - key.size(), '0');
  return key;
}

}  // namespace fast_cache::bench
