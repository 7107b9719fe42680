// The shard's table and the epochs that let readers probe it without a lock.
#include "memory/slot_table.hpp"
#include "memory/epoch.hpp"
#include "memory/key_hash.hpp"

#include <gtest/gtest.h>

#include <atomic>
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
  int replaced = 0;
  slot_table::array* chain = table.take_replaced();
  for (const slot_table::array* a = chain; a != nullptr; a = a->next_retired) ++replaced;
  EXPECT_EQ(replaced, 4) << "16 -> 32 -> 64 -> 128 -> 256 slots; the shared empty array is never retired";
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
  std::thread reader([&] {
    long n = 0;
    for (std::size_t step = 0; writing.load(std::memory_order_relaxed); ++step) {
      const std::size_t i = step % run_length;
      const std::uint32_t before = present[i].load();
      const entry* found = nullptr;
      {
        const epoch::read_section reading;
        found = table.find_concurrent(run[i]->hash(), run[i]->key(), writers);
      }
      if (before % 2 == 1 && present[i].load() == before) {
        ++n;
        if (found != run[i]) ++misses;
      }
    }
    checked = n;
  });
  for (int turn = 0; turn < 200'000; ++turn) {
    const int first = turn % run_length;
    ++present[first];
    {
      const std::lock_guard writing(writers);
      table.erase_at(table.find(run[first]));
      table.reserve_one();
      table.insert(run[first]);
    }
    ++present[first];
  }
  writing = false;
  reader.join();
  EXPECT_EQ(misses.load(), 0) << "of " << checked.load() << " reads of a present key";
  EXPECT_GT(checked.load(), 0);
}

TEST(Epoch, AReadSectionHoldsBackWhatWasRetiredDuringIt) {
  std::atomic<int> stage{0};
  std::thread reader([&] {
    const epoch::read_section reading;
    stage = 1;
    while (stage.load() != 2) std::this_thread::yield();
  });
  while (stage.load() != 1) std::this_thread::yield();
  const std::uint64_t retired = epoch::retire_epoch();
  for (int i = 0; i < 10; ++i) epoch::try_advance();
  EXPECT_FALSE(epoch::reclaimable(retired)) << "a reader that began before the retirement is still reading";
  stage = 2;
  reader.join();
  epoch::synchronize(retired);
  EXPECT_TRUE(epoch::reclaimable(retired));
}

TEST(Epoch, ANestedSectionEndingLeavesTheOuterOneProtected) {
  std::atomic<int> stage{0};
  std::thread reader([&] {
    const epoch::read_section outer;
    { const epoch::read_section inner; }  // an injected clock reading another cache, say
    stage = 1;
    while (stage.load() != 2) std::this_thread::yield();
  });
  while (stage.load() != 1) std::this_thread::yield();
  const std::uint64_t retired = epoch::retire_epoch();
  for (int i = 0; i < 10; ++i) epoch::try_advance();
  EXPECT_FALSE(epoch::reclaimable(retired)) << "the inner section's end released the outer one";
  stage = 2;
  reader.join();
  epoch::synchronize(retired);
}

}  // namespace
}  // namespace fast_cache::detail::memory
