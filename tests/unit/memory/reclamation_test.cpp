// When the memory of removed entries comes back: what a write removes may wait for the reads in
// flight, but a large value is freed by the write that removed it, and clear() and close() free
// everything they removed before returning. Observed through the allocator's count of bytes in
// use, with nothing else allocating meanwhile.
#include <fast_cache/memory_backend.hpp>

#include "memory/limbo.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FAST_CACHE_SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define FAST_CACHE_SANITIZER_ALLOCATOR 1
#endif
#endif

#ifdef FAST_CACHE_SANITIZER_ALLOCATOR
// From the sanitizers' public allocator interface; GCC does not install its header.
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#else
#include <malloc.h>
#endif

namespace fast_cache {
namespace {

// Bytes the program has allocated and not freed: the sanitizer's allocator replaces malloc under
// ASan and TSan. glibc's figure sums its arenas and leaves out chunks it maps on their own (128 KiB
// and up): every allocation here is smaller.
std::size_t allocated_bytes() {
#ifdef FAST_CACHE_SANITIZER_ALLOCATOR
  return __sanitizer_get_current_allocated_bytes();
#else
  return mallinfo2().uordblks;
#endif
}

constexpr std::size_t kib = 1024;

// With several shards, limbo would let the first shards' entries go as the epoch moves on for the
// next ones, and a clear() that left its entries to limbo would free most of them too.
InMemoryOptions one_shard() { return {.shards = 1}; }

// Lets the thread's limbo free what earlier tests left there, so a test sees only its own: each
// replacing write moves the epoch on now and then and frees older batches, and what these leave
// behind is a few tiny entries.
void settle_limbo() {
  InMemoryBackend scratch(one_shard());
  for (int i = 0; i < 64; ++i) scratch.set("k", "v");
}

// Small entries, which a write leaves to the thread's limbo, in numbers that dwarf what limbo keeps.
void fill(InMemoryBackend& cache) {
  settle_limbo();
  const std::string value(kib, 'v');
  for (int i = 0; i < 1000; ++i) cache.set("key:" + std::to_string(i), value);
}

TEST(MemoryReclamation, ALargeValueIsFreedByTheWriteThatReplacesIt) {
  InMemoryBackend cache;
  const std::size_t large = detail::memory::limbo::large_entry_bytes;
  const std::string first(large, 'a');
  const std::string second(large, 'b');
  cache.set("k", first);
  settle_limbo();
  const std::size_t before = allocated_bytes();
  cache.set("k", second);
  // Had the first entry waited in limbo, `large` more bytes would be in use.
  EXPECT_LT(allocated_bytes(), before + large / 4);
  cache.erase("k");
  EXPECT_LT(allocated_bytes() + large * 3 / 4, before) << "an erased large entry is freed by the erase";
}

TEST(MemoryReclamation, ClearFreesWhatItRemovedBeforeReturning) {
  InMemoryBackend cache(one_shard());
  fill(cache);
  const std::size_t before = allocated_bytes();
  cache.clear();
  EXPECT_LT(allocated_bytes() + 900 * kib, before);
  EXPECT_FALSE(cache.get("key:1"));
}

TEST(MemoryReclamation, CloseFreesWhatItRemovedBeforeReturning) {
  InMemoryBackend cache(one_shard());
  fill(cache);
  const std::size_t before = allocated_bytes();
  cache.close();
  EXPECT_LT(allocated_bytes() + 900 * kib, before);
}

}  // namespace
}  // namespace fast_cache
