// One kind of operation and nothing else, for an instruction count per operation, which
// wall-clock noise on a shared machine does not move: bench/run runs it under callgrind,
// counting inside run_ops only.
//
//   count_ops get|get_into|set ENTRIES OPS [lru|tinylfu]   (the eviction policy; tinylfu by default)
//
// get and get_into read keys that are all present (hits); set replaces the value of a present key.
#include <fast_cache/memory_backend.hpp>

#include "workload.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

// noinline: callgrind's --toggle-collect names this function. How many times op returned true.
template <class Op>
[[gnu::noinline]] std::size_t run_ops(const std::vector<std::string>& keys, std::size_t ops, Op op) {
  std::size_t done = 0;
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  const std::size_t mask = keys.size() - 1;
  for (std::size_t i = 0; i < ops; ++i) {
    state ^= state << 13;  // the xorshift bench_memory draws keys with
    state ^= state >> 7;
    state ^= state << 17;
    done += op(keys[static_cast<std::size_t>(state >> 16) & mask]) ? 1 : 0;
  }
  return done;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace fast_cache::bench;
  const std::string_view how = argc >= 2 ? argv[1] : "";
  if ((argc != 4 && argc != 5) || (how != "get" && how != "get_into" && how != "set")) {
    std::fprintf(stderr, "usage: count_ops get|get_into|set ENTRIES OPS [lru|tinylfu] (ENTRIES a power of two)\n");
    return 2;
  }
  const auto entries = std::strtoull(argv[2], nullptr, 10);
  const auto ops = std::strtoull(argv[3], nullptr, 10);
  const auto eviction = fast_cache::memory_eviction_from_name(argc == 5 ? argv[4] : "tinylfu");
  fast_cache::InMemoryBackend store({.max_size = 2 * entries, .eviction = eviction});  // as bench_memory's stores
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < entries; ++i) keys.push_back(workload_key(i));
  const std::string value(value_length, 'v');
  for (const auto& key : keys) store.set(key, value);
  if (how == "set") {
    run_ops(keys, ops, [&](const std::string& k) {
      store.set(k, value);
      return true;
    });
    std::printf("%llu sets\n", static_cast<unsigned long long>(ops));
    return 0;
  }
  std::string out;
  const std::size_t hits = how == "get"
                               ? run_ops(keys, ops, [&](const std::string& k) { return store.get(k).has_value(); })
                               : run_ops(keys, ops, [&](const std::string& k) { return store.get_into(k, out); });
  std::printf("%zu hits of %llu reads\n", hits, static_cast<unsigned long long>(ops));
  return hits == ops ? 0 : 1;  // every key is present: a miss is a bug
}
