// The shard's table, which readers probe without a lock while writers change it.
#include "memory/slot_table.hpp"
#include "memory/epoch.hpp"
#include "memory/spin_lock.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace fast_cache::detail::memory {
namespace {

// Entries whose hashes the test chooses, so their places in the table are known.
class entries {
 public:
  entry* make(std::uint64_t hash, const std::string& key) {
    made_.emplace_back(entry::make(hash, key, key + "-value", never));
    return made_.back().get();
  }

 private:
  struct release {
    void operator()(entry* e) const noexcept { e->release(); }
  };
  std::vector<std::unique_ptr<entry, release>> made_;
};

constexpr std::uint64_t home = 5;  // every key of a run hashes to slot 5 of the table

TEST(SlotTable, BackwardShiftKeepsARunReachable) {
  entries made;
  slot_table table(64);
  spin_lock writers;
  std::vector<entry*> run;
  for (int i = 0; i < 10; ++i) {
    table.reserve_one();
    run.push_back(made.make(home + 64 * static_cast<std::uint64_t>(i), "k" + std::to_string(i)));
    table.insert(run.back());
  }
  table.erase_at(table.find(run[0]));
  table.erase_at(table.find(run[4]));
  for (int i = 0; i < 10; ++i) {
    const bool kept = i != 0 && i != 4;
    EXPECT_EQ(table.find_concurrent(run[i]->hash(), run[i]->key(), writers), kept ? run[i] : nullptr) << i;
    EXPECT_EQ(table.holds(run[i]), kept) << i;
  }
  EXPECT_EQ(table.size(), 8u);
  EXPECT_EQ(table.at(home), run[1]) << "the run moved back into the first hole";
}

TEST(SlotTable, GrowingLeavesTheOldArrayWholeForReaders) {
  entries made;
  slot_table table;
  spin_lock writers;
  EXPECT_EQ(table.find_concurrent(1, "absent", writers), nullptr) << "an empty table has an array to probe";
  for (int i = 0; i < 100; ++i) {
    table.reserve_one();
    table.insert(made.make(static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ull, "k" + std::to_string(i)));
  }
  EXPECT_GE(table.capacity(), 200u);
  // 16 -> 32 -> 64 -> 128 -> 256 slots; the shared empty array is never retired. Each outgrown
  // array still holds what it held when it was replaced, half full, for readers still in it.
  std::vector<std::size_t> held;
  slot_table::array* chain = table.take_replaced();
  for (const slot_table::array* a = chain; a != nullptr; a = a->next_retired) {
    std::size_t entries = 0;
    for (std::size_t i = 0; i <= a->mask; ++i) entries += a->slots()[i].value.load() != nullptr ? 1 : 0;
    held.push_back(entries);
  }
  EXPECT_EQ(held, (std::vector<std::size_t>{64, 32, 16, 8}));
  slot_table::free_arrays(chain);
  EXPECT_EQ(table.take_replaced(), nullptr);
}

// A writer keeps taking the first key of a long run out and putting it back at the end, so every
// other key of the run shifts back one slot per turn: the race a reader's probe must survive.
TEST(SlotTable, ReadersFindEveryKeyPresentThroughoutWhileTheRunShifts) {
  constexpr int run_length = 24;
  entries made;
  slot_table table(128);
  spin_lock writers;
  std::vector<entry*> run;
  std::vector<std::atomic<std::uint32_t>> present(run_length);  // odd while in the table
  for (int i = 0; i < run_length; ++i) {
    table.reserve_one();
    run.push_back(made.make(home + 128 * static_cast<std::uint64_t>(i), "key-" + std::to_string(i)));
    table.insert(run.back());
    ++present[i];
  }
  std::atomic<bool> writing{true};
  std::atomic<long> misses{0};
  std::atomic<long> checked{0};
  // Reads during which the writer took a turn: on a loaded machine the two threads may seldom
  // run at once, so the writer goes on until enough reads have really raced with it.
  std::atomic<long> turns{0};
  std::atomic<long> raced{0};
  std::thread reader([&] {
    long n = 0;
    for (std::size_t step = 0; writing.load(std::memory_order_relaxed); ++step) {
      const std::size_t i = step % run_length;
      const std::uint32_t before = present[i].load();
      const long turns_before = turns.load();
      const entry* found = nullptr;
      {
        const epoch::read_section reading;
        found = table.find_concurrent(run[i]->hash(), run[i]->key(), writers);
      }
      if (turns.load() != turns_before) ++raced;
      if (before % 2 == 1 && present[i].load() == before) {
        ++n;
        if (found != run[i]) ++misses;
      }
    }
    checked = n;
  });
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (int turn = 0; turn < 200'000 || (raced.load() < 20'000 && std::chrono::steady_clock::now() < give_up); ++turn) {
    const int first = turn % run_length;
    ++present[first];
    {
      const std::lock_guard locked(writers);
      table.erase_at(table.find(run[first]));
      table.reserve_one();
      table.insert(run[first]);
    }
    ++present[first];
    ++turns;
  }
  writing = false;
  reader.join();
  EXPECT_EQ(misses.load(), 0) << "of " << checked.load() << " reads of a present key";
  EXPECT_GT(checked.load(), 0);
}

}  // namespace
}  // namespace fast_cache::detail::memory
