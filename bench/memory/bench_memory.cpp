// InMemoryBackend against a global-mutex unordered_map + LRU list: get hits, sets, and a 90/10
// get/set mix over 30-byte keys and 100-byte values, at 16K and 1M entries, on 1 and 2 threads.
// The `_into` forms read with get_into, into a buffer reused across reads (no allocation): what
// the Caffeine harness (bench/caffeine) is compared with, as Java's get returns a reference.
#include <fast_cache/memory_backend.hpp>

#include "baseline_lru.hpp"
#include "ratio_reporter.hpp"
#include "workload.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace fast_cache::bench {
namespace {

const std::int64_t sizes[] = {16 * 1024, 1024 * 1024};  // powers of two: a key index is a mask away

// Both stores get room for twice the working set, so a "hit" benchmark never misses: shard
// sizes vary around the mean and a shard evicts at its own share of max_size.
std::unique_ptr<InMemoryBackend> make_store(InMemoryBackend*, std::size_t entries) {
  return std::make_unique<InMemoryBackend>(InMemoryOptions{.max_size = entries * 2});
}
std::unique_ptr<baseline_lru> make_store(baseline_lru*, std::size_t entries) {
  return std::make_unique<baseline_lru>(entries * 2);
}

const std::vector<std::string>& keys(std::size_t count) {
  static std::mutex mutex;
  static std::map<std::size_t, std::vector<std::string>> made;
  std::lock_guard lock(mutex);
  auto& list = made[count];
  for (std::size_t i = list.size(); i < count; ++i) list.push_back(workload_key(i));
  return list;
}

const std::string value(value_length, 'v');

// One filled store at a time, shared by the benchmarks and threads of its type and size, which
// run together (see main). The previous one is freed before the next is built, of either type,
// as the Caffeine harness drops one size's cache before the next: a 1M-entry store churned by
// sets and left in the heap scatters the next store's new entries over its freed chunks, which
// made the 16K mix up to six times slower after the 1M runs.
struct current_store {
  std::mutex mutex;
  std::shared_ptr<void> store;  // type-erased: its deleter is the store's own
  const void* type = nullptr;
  std::size_t entries = 0;
};

current_store& current() {
  static current_store c;
  return c;
}

template <class Store>
Store& filled(std::size_t entries) {
  static const char type_tag = 0;  // one per Store: its address names the type
  current_store& c = current();
  std::lock_guard lock(c.mutex);
  if (c.type != &type_tag || c.entries != entries) {
    c.store.reset();
    std::shared_ptr<Store> store = make_store(static_cast<Store*>(nullptr), entries);
    for (const auto& key : keys(entries)) store->set(key, value);
    c.store = std::move(store);
    c.type = &type_tag;
    c.entries = entries;
  }
  return *static_cast<Store*>(c.store.get());
}

// xorshift64: cheap enough not to show in a 50 ns operation, and different per thread.
struct random_index {
  std::uint64_t state;
  std::size_t mask;
  std::size_t operator()() noexcept {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<std::size_t>(state >> 16) & mask;
  }
};

// A read as get() makes it (a new std::string per hit), or into one reused buffer.
struct read_new {
  template <class Store>
  void operator()(Store& store, const std::string& key) {
    auto found = store.get(key);
    benchmark::DoNotOptimize(found);
  }
};
struct read_into {
  std::string buffer;
  template <class Store>
  void operator()(Store& store, const std::string& key) {
    benchmark::DoNotOptimize(store.get_into(key, buffer));
  }
};

template <class Store, class Read>
void get_hit(benchmark::State& state) {
  const auto entries = static_cast<std::size_t>(state.range(0));
  Store& store = filled<Store>(entries);
  const auto& k = keys(entries);
  random_index next{0x9E3779B97F4A7C15ull * (state.thread_index() + 1), entries - 1};
  Read read;
  for (auto _ : state) read(store, k[next()]);
  state.SetItemsProcessed(state.iterations());
}

template <class Store>
void set(benchmark::State& state) {
  const auto entries = static_cast<std::size_t>(state.range(0));
  Store& store = filled<Store>(entries);
  const auto& k = keys(entries);
  random_index next{0x9E3779B97F4A7C15ull * (state.thread_index() + 1), entries - 1};
  for (auto _ : state) store.set(k[next()], value);
  state.SetItemsProcessed(state.iterations());
}

template <class Store, class Read>
void mix(benchmark::State& state) {
  const auto entries = static_cast<std::size_t>(state.range(0));
  Store& store = filled<Store>(entries);
  const auto& k = keys(entries);
  random_index next{0x9E3779B97F4A7C15ull * (state.thread_index() + 1), entries - 1};
  Read read;
  std::uint32_t turn = 0;
  for (auto _ : state) {
    const std::string& key = k[next()];
    if (++turn % 10 == 0) {
      store.set(key, value);
    } else {
      read(store, key);
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// The benchmarks of one store type and size, which run together (see filled).
template <class Store>
void register_store(const std::string& store_name, std::int64_t entries) {
  using function = void (*)(benchmark::State&);
  const std::pair<const char*, function> workloads[] = {{"get_hit", get_hit<Store, read_new>},
                                                        {"get_hit_into", get_hit<Store, read_into>},
                                                        {"set", set<Store>},
                                                        {"mix", mix<Store, read_new>},
                                                        {"mix_into", mix<Store, read_into>}};
  for (const auto& [name, run] : workloads) {
    benchmark::RegisterBenchmark((std::string(name) + "/" + store_name).c_str(), run)
        ->Arg(entries)
        ->Threads(1)
        ->Threads(2)
        ->UseRealTime();
  }
}

}  // namespace
}  // namespace fast_cache::bench

int main(int argc, char** argv) {
  for (const auto entries : fast_cache::bench::sizes) {
    fast_cache::bench::register_store<fast_cache::InMemoryBackend>("memory", entries);
    fast_cache::bench::register_store<fast_cache::bench::baseline_lru>("baseline", entries);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  fast_cache::bench::ratio_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
