// The epochs that keep what writers unlink allocated while readers may still hold it.
#include "memory/epoch.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>

namespace fast_cache::detail::memory {
namespace {

// Whether something retired while another thread is in a read section can be freed before that
// section ends. nested: read sections the thread opens and closes inside its outer one first.
bool freed_under_a_reader(int nested) {
  std::atomic<int> stage{0};
  std::thread reader([&] {
    const epoch::read_section outer;
    for (int i = 0; i < nested; ++i) {
      const epoch::read_section inner;  // an injected clock reading another cache, say
    }
    stage = 1;
    while (stage.load() != 2) std::this_thread::yield();
  });
  while (stage.load() != 1) std::this_thread::yield();
  const std::uint64_t retired = epoch::retire_epoch();
  for (int i = 0; i < 10; ++i) epoch::try_advance();
  const bool freed = epoch::reclaimable(retired);
  stage = 2;
  reader.join();
  epoch::synchronize(retired);
  EXPECT_TRUE(epoch::reclaimable(retired)) << "once the reader is gone, the epoch moves on";
  return freed;
}

TEST(Epoch, AReadSectionHoldsBackWhatWasRetiredDuringIt) {
  EXPECT_FALSE(freed_under_a_reader(0)) << "a reader that began before the retirement is still reading";
}

TEST(Epoch, ANestedSectionEndingLeavesTheOuterOneProtected) {
  EXPECT_FALSE(freed_under_a_reader(2)) << "an inner section's end released the outer one";
}

}  // namespace
}  // namespace fast_cache::detail::memory
