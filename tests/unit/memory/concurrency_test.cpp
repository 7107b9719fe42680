// Many threads mixing every operation on few keys: no lost accounting, no torn values, no crash.
// Meant to run under AddressSanitizer and ThreadSanitizer as well.
#include <fast_cache/memory_backend.hpp>

#include "manual_clock.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace fast_cache {
namespace {

using namespace std::chrono_literals;
using test::manual_clock;

constexpr int thread_count = 8;
constexpr int key_count = 64;

std::string key_of(std::uint32_t n) { return "key-" + std::to_string(n % key_count); }

// A value names its key, so a value found under another key shows a mix-up. Some values are
// large enough to take the pinned (reference-counted) read path.
std::string value_of(const std::string& key, int thread, int step) {
  const auto filler = static_cast<std::size_t>(step % 3 == 0 ? 300 : step % 50);
  return key + "|" + std::to_string(thread) + "|" + std::string(filler, 'x');
}

bool belongs_to(const std::optional<std::string>& value, const std::string& key) {
  return !value || value->starts_with(key + "|");
}

struct worker {
  InMemoryBackend* cache;
  manual_clock* clock;
  int thread;
  int steps;
  std::atomic<int>* mix_ups;

  void operator()() const {
    std::uint32_t rng = 2463534242u + static_cast<std::uint32_t>(thread);
    for (int step = 0; step < steps; ++step) {
      rng ^= rng << 13;
      rng ^= rng >> 17;
      rng ^= rng << 5;
      const std::string key = key_of(rng >> 8);
      switch (rng % 16) {
        case 0:
        case 1:
        case 2:
        case 3:
          if (!belongs_to(cache->get(key), key)) ++*mix_ups;
          break;
        case 4:
        case 5:
          cache->set(key, value_of(key, thread, step));
          break;
        case 6:
          cache->set(key, value_of(key, thread, step), 1ms);
          break;
        case 7:
          (void)cache->has(key);
          break;
        case 8:
          cache->erase(key);
          break;
        case 9: {
          const std::vector<std::string> keys{key, key_of(rng >> 4), key_of(rng >> 12)};
          const auto values = cache->get_many(keys);
          for (std::size_t i = 0; i < keys.size(); ++i) {
            if (!belongs_to(values[i], keys[i])) ++*mix_ups;
          }
          break;
        }
        case 10: {
          const std::string other = key_of(rng >> 4);
          const std::vector<item> items{{key, value_of(key, thread, step)}, {other, value_of(other, thread, step)}};
          cache->set_many(items, step % 2 == 0 ? expiry(2ms) : std::nullopt);
          break;
        }
        case 11: {
          const std::vector<std::string> keys{key, key_of(rng >> 4)};
          cache->erase_many(keys);
          break;
        }
        case 12:
          clock->advance(1ms);
          break;
        case 13:
          if (step % 64 == 0) cache->clear();
          break;
        case 14: {
          std::string value;
          if (cache->get_into(key, value) && !belongs_to(value, key)) ++*mix_ups;
          break;
        }
        default:
          if (!belongs_to(cache->get(key), key)) ++*mix_ups;
      }
    }
  }
};

void hammer(InMemoryBackend& cache, manual_clock& clock, int steps) {
  std::atomic<int> mix_ups{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t) threads.emplace_back(worker{&cache, &clock, t, steps, &mix_ups});
  for (auto& t : threads) t.join();
  EXPECT_EQ(mix_ups.load(), 0);
}

// After the storm, the byte count must match what is actually stored.
void expect_consistent(InMemoryBackend& cache, manual_clock& clock) {
  clock.advance(24h);
  std::size_t bytes = 0;
  std::size_t live = 0;
  for (int i = 0; i < key_count; ++i) {
    const std::string key = key_of(static_cast<std::uint32_t>(i));
    if (auto value = cache.get(key)) {
      bytes += InMemoryBackend::entry_charge(key.size(), value->size());
      ++live;
    }
  }
  EXPECT_EQ(cache.size(), live);
  EXPECT_EQ(cache.bytes(), bytes);
}

class MemoryBoundedConcurrency : public ::testing::TestWithParam<memory_eviction> {};

TEST_P(MemoryBoundedConcurrency, BoundedStoreUnderEightThreads) {
  manual_clock clock;
  InMemoryBackend cache(
      {.max_size = 32, .eviction = GetParam(), .shards = 4, .sweep_interval = 0ms, .clock = clock.function()});
  hammer(cache, clock, 20'000);
  EXPECT_LE(cache.size(), 32u);
  expect_consistent(cache, clock);
}

TEST_P(MemoryBoundedConcurrency, ByteBudgetUnderEightThreads) {
  manual_clock clock;
  InMemoryBackend cache({.max_size = 0,
                         .max_bytes = 2400,
                         .eviction = GetParam(),
                         .shards = 2,
                         .sweep_interval = 0ms,
                         .clock = clock.function()});
  hammer(cache, clock, 20'000);
  EXPECT_LE(cache.bytes(), 2400u);
  expect_consistent(cache, clock);
}

INSTANTIATE_TEST_SUITE_P(Eviction, MemoryBoundedConcurrency,
                         ::testing::Values(memory_eviction::lru, memory_eviction::tinylfu),
                         [](const auto& info) { return info.param == memory_eviction::lru ? "lru" : "tinylfu"; });

TEST(MemoryConcurrency, UnboundedStoreUnderEightThreads) {
  manual_clock clock;
  InMemoryBackend cache({.max_size = 0, .shards = 3, .sweep_interval = 1ms, .clock = clock.function()});
  hammer(cache, clock, 20'000);
  expect_consistent(cache, clock);
}

// Readers take no lock, so a writer's deletion can shift the entry a reader looks for past it
// mid-probe, and a growing table is swapped under it. A key present for the whole of a read must
// be found, and its value must never come from another key or be torn.
constexpr int churned_keys = 512;

// Per key, odd while it is stored: bumped after the set and before the erase, so a reader that
// sees the same odd count before and after its read knows the key was there throughout.
using presence = std::vector<std::atomic<std::uint32_t>>;

struct churning_writer {
  InMemoryBackend* cache;
  presence* present;
  int thread;  // owns the keys i with i % 2 == thread
  int steps;

  void operator()() const {
    std::uint32_t rng = 88675123u + static_cast<std::uint32_t>(thread);
    for (int step = 0; step < steps; ++step) {
      rng ^= rng << 13;
      rng ^= rng >> 17;
      rng ^= rng << 5;
      const std::uint32_t i = (rng % (churned_keys / 2)) * 2 + static_cast<std::uint32_t>(thread);
      const std::string key = "churn-" + std::to_string(i);
      std::atomic<std::uint32_t>& count = (*present)[i];
      if (count.load() % 2 == 1) {
        if (step % 4 == 0) {
          // Replaced in place: stays present. Now and then by a value large enough that the
          // write frees what it replaced itself, after the reads in flight.
          const std::size_t large = step % 512 == 0 ? 40'000 : 0;
          cache->set(key, value_of(key, thread, step) + std::string(large, 'L'));
          continue;
        }
        ++count;
        cache->erase(key);
      } else {
        cache->set(key, value_of(key, thread, step));
        ++count;
      }
    }
  }
};

struct presence_checker {
  InMemoryBackend* cache;
  presence* present;
  std::atomic<bool>* writing;
  std::atomic<long>* misses;
  std::atomic<long>* mix_ups;
  std::atomic<long>* checked;

  void operator()() const {
    std::string buffer;
    long n = 0;
    for (std::uint32_t step = 0; writing->load(std::memory_order_relaxed); ++step) {
      const std::uint32_t i = (step * 7919u) % churned_keys;
      const std::string key = "churn-" + std::to_string(i);
      const std::uint32_t before = (*present)[i].load();
      bool found = false;
      bool belongs = true;
      switch (step % 3) {
        case 0: {
          const auto value = cache->get(key);
          found = value.has_value();
          belongs = belongs_to(value, key);
          break;
        }
        case 1:
          found = cache->get_into(key, buffer);
          belongs = !found || buffer.starts_with(key + "|");
          break;
        default:
          found = cache->has(key);
      }
      if (!belongs) ++*mix_ups;
      if (before % 2 == 1 && (*present)[i].load() == before) {
        ++n;
        if (!found) ++*misses;
      }
    }
    *checked += n;
  }
};

TEST(MemoryConcurrency, LockFreeReadersFindEveryKeyPresentThroughout) {
  for (const std::size_t max_size : {std::size_t{0}, std::size_t{100'000}}) {
    InMemoryBackend cache({.max_size = max_size, .shards = 1});
    presence present(churned_keys);
    std::atomic<bool> writing{true};
    std::atomic<long> misses{0};
    std::atomic<long> mix_ups{0};
    std::atomic<long> checked{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 2; ++t) {
      readers.emplace_back(presence_checker{&cache, &present, &writing, &misses, &mix_ups, &checked});
    }
    std::vector<std::thread> writers;
    for (int t = 0; t < 2; ++t) writers.emplace_back(churning_writer{&cache, &present, t, 100'000});
    for (auto& t : writers) t.join();
    writing = false;
    for (auto& t : readers) t.join();
    EXPECT_EQ(misses.load(), 0) << "of " << checked.load() << " reads of a present key, max_size " << max_size;
    EXPECT_EQ(mix_ups.load(), 0);
    EXPECT_GT(checked.load(), 0);
  }
}

struct until_closed {
  InMemoryBackend* cache;
  int thread;
  std::atomic<int>* unexpected;

  void operator()() const {
    for (int step = 0;; ++step) {
      const std::string key = key_of(static_cast<std::uint32_t>(step * 7 + thread));
      try {
        cache->set(key, value_of(key, thread, step));
        (void)cache->get(key);
        if (step % 8 == 0) cache->clear();
      } catch (const Error& e) {
        if (e.code() != errc::closed) ++*unexpected;
        return;
      }
    }
  }
};

TEST(MemoryConcurrency, CloseWhileOthersWrite) {
  InMemoryBackend cache({.shards = 4});
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(until_closed{&cache, t, &unexpected});
  std::this_thread::sleep_for(20ms);
  cache.close();
  for (auto& t : threads) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_EQ(cache.size(), 0u) << "a write racing with close() left an entry behind";
}

}  // namespace
}  // namespace fast_cache
