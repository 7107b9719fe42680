// The lock of a shard: its critical sections are a probe and a few pointer updates.
#pragma once

#include <atomic>
#include <thread>

namespace fast_cache::detail::memory {

/// A test-and-test-and-set lock (BasicLockable). Taking and releasing it is one atomic exchange
/// and one store, where std::mutex costs two calls into glibc, about 50 instructions a hit. A
/// waiter spins on a plain load, which leaves the holder's cache line alone, then yields its time
/// slice: on a machine with more runnable threads than cores the holder may have been preempted,
/// and spinning on would only delay it.
class spin_lock {
 public:
  void lock() noexcept {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      for (unsigned spins = 0; locked_.load(std::memory_order_relaxed); ++spins) {
        if (spins < spins_before_yield) {
          pause();
        } else {
          std::this_thread::yield();
        }
      }
    }
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  // About a microsecond of pause instructions: longer than any critical section of a shard.
  static constexpr unsigned spins_before_yield = 64;

  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

  std::atomic<bool> locked_{false};
};

}  // namespace fast_cache::detail::memory
