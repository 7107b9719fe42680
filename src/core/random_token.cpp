#include <fast_cache/detail/random_token.hpp>

#include <cstdint>
#include <random>

namespace fast_cache::detail {

std::string random_token() {
  // Seeded once per thread from the system's entropy: drawing a token costs no system call.
  thread_local std::mt19937_64 random = [] {
    std::random_device entropy;
    std::seed_seq seed{entropy(), entropy(), entropy(), entropy()};
    return std::mt19937_64(seed);
  }();
  constexpr char hex[] = "0123456789abcdef";
  std::string token;
  token.reserve(32);
  for (int half = 0; half < 2; ++half) {
    std::uint64_t bits = random();
    for (int i = 0; i < 16; ++i, bits >>= 4) token.push_back(hex[bits & 0xf]);
  }
  return token;
}

}  // namespace fast_cache::detail
