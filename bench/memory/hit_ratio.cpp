// Hit ratios on the seeded traces (traces.hpp): InMemoryBackend with W-TinyLFU and with its
// per-shard LRU, both with the default shard count, and the global LRU baseline. Each request is
// a read, and a miss stores the key, as a cache-aside caller does. Caffeine replays the same files
// in bench/caffeine.
//
//   bench_hit_ratio TRACE_DIR    writes the traces if missing, prints JSON on stdout
#include <fast_cache/memory_backend.hpp>

#include "baseline_lru.hpp"
#include "traces.hpp"

#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>

namespace fast_cache::bench {
namespace {

const std::string value(16, 'v');

template <class Store>
double replay(Store& store, const std::vector<std::uint64_t>& trace) {
  std::size_t hits = 0;
  std::string out;
  char buffer[24];
  for (const std::uint64_t key : trace) {
    const std::string_view k(buffer,
                             static_cast<std::size_t>(std::to_chars(buffer, buffer + sizeof buffer, key).ptr - buffer));
    if (store.get_into(k, out)) {
      ++hits;
    } else {
      store.set(k, value);
    }
  }
  return static_cast<double>(hits) / static_cast<double>(trace.size());
}

double replay_backend(memory_eviction eviction, const std::vector<std::uint64_t>& trace) {
  InMemoryBackend store({.max_size = trace_cache_size, .eviction = eviction});
  return replay(store, trace);
}

}  // namespace
}  // namespace fast_cache::bench

int main(int argc, char** argv) {
  using namespace fast_cache::bench;
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench_hit_ratio TRACE_DIR\n");
    return 2;
  }
  const std::filesystem::path directory = argv[1];
  write_traces(directory);
  std::printf("{\"cache_size\": %zu, \"shards\": %zu, \"traces\": [", trace_cache_size,
              fast_cache::InMemoryBackend({.max_size = trace_cache_size}).shard_count());
  const char* separator = "";
  for (const trace_spec& spec : trace_specs()) {
    const auto trace = read_trace(directory / spec.name);
    baseline_lru lru(trace_cache_size);
    const double tinylfu = replay_backend(fast_cache::memory_eviction::tinylfu, trace);
    const double shard_lru = replay_backend(fast_cache::memory_eviction::lru, trace);
    const double global_lru = replay(lru, trace);
    std::printf(
        "%s\n {\"name\": \"%s\", \"description\": \"%s\", \"requests\": %zu, \"memory_tinylfu\": %.5f, "
        "\"memory_lru\": %.5f, \"baseline_lru\": %.5f}",
        separator, spec.name.c_str(), spec.description.c_str(), trace.size(), tinylfu, shard_lru, global_lru);
    std::fflush(stdout);
    separator = ",";
  }
  std::printf("\n]}\n");
  return 0;
}
