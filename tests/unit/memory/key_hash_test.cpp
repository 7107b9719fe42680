// The comparison that confirms a probe's hash match.
#include "memory/key_hash.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>

namespace fast_cache::detail::memory {
namespace {

TEST(SameKey, EveryLengthAndEveryDifferingByte) {
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string a(n, 'k');
    for (std::size_t i = 0; i < n; ++i) a[i] = static_cast<char>('a' + i % 26);
    std::string b = a;
    EXPECT_TRUE(same_key(a, b)) << n;
    EXPECT_FALSE(same_key(a, a + "x")) << n;
    for (std::size_t i = 0; i < n; ++i) {
      b[i] ^= 1;
      EXPECT_FALSE(same_key(a, b)) << "length " << n << ", byte " << i;
      b[i] ^= 1;
    }
  }
}

}  // namespace
}  // namespace fast_cache::detail::memory
