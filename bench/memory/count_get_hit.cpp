// Get hits and nothing else, for an instruction count per operation, which wall-clock noise on a
// shared machine does not move: bench/run runs it under callgrind, counting inside run_reads only.
//
//   count_get_hit get|get_into ENTRIES READS [lru|tinylfu]   (the eviction policy; tinylfu by default)
#include <fast_cache/memory_backend.hpp>

#include "workload.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

// noinline: callgrind's --toggle-collect names this function.
template <class Read>
[[gnu::noinline]] std::size_t run_reads(const std::vector<std::string>& keys, std::size_t reads, Read read) {
  std::size_t hits = 0;
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  const std::size_t mask = keys.size() - 1;
  for (std::size_t i = 0; i < reads; ++i) {
    state ^= state << 13;  // the xorshift bench_memory draws keys with
    state ^= state >> 7;
    state ^= state << 17;
    hits += read(keys[static_cast<std::size_t>(state >> 16) & mask]) ? 1 : 0;
  }
  return hits;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace fast_cache::bench;
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: count_get_hit get|get_into ENTRIES READS [lru|tinylfu] (ENTRIES a power of two)\n");
    return 2;
  }
  const std::string_view how = argv[1];
  const auto entries = std::strtoull(argv[2], nullptr, 10);
  const auto reads = std::strtoull(argv[3], nullptr, 10);
  const auto eviction = fast_cache::memory_eviction_from_name(argc == 5 ? argv[4] : "tinylfu");
  fast_cache::InMemoryBackend store({.max_size = 2 * entries, .eviction = eviction});  // as bench_memory's get_hit
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < entries; ++i) keys.push_back(workload_key(i));
  const std::string value(value_length, 'v');
  for (const auto& key : keys) store.set(key, value);
  std::string out;
  const std::size_t hits = how == "get"
                               ? run_reads(keys, reads, [&](const std::string& k) { return store.get(k).has_value(); })
                               : run_reads(keys, reads, [&](const std::string& k) { return store.get_into(k, out); });
  std::printf("%zu hits of %llu reads\n", hits, static_cast<unsigned long long>(reads));
  return hits == reads ? 0 : 1;
}
