// The lock of a shard, whose critical sections are a probe and a few pointer updates, and the
// wait for another thread's short critical section that it and the table's readers share.
#pragma once

#include <atomic>
#include <thread>

namespace fast_cache::detail::memory {

/// One turn of waiting for another thread to finish a short critical section: a pause
/// instruction for the first turns (about a microsecond in all: longer than any critical section
/// of a shard), then the time slice is yielded. On a machine with more runnable threads than
/// cores the other thread may have been preempted, and spinning on would only delay it.
inline void wait_turn(unsigned turn) noexcept {
  constexpr unsigned spins_before_yield = 64;
  if (turn < spins_before_yield) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  } else {
    std::this_thread::yield();
  }
}

/// A test-and-test-and-set lock (Lockable). Taking and releasing it is one atomic exchange and
/// one store, where std::mutex costs two calls into glibc, about 50 instructions a hit. A waiter
/// spins on a plain load, which leaves the holder's cache line alone.
class spin_lock {
 public:
  void lock() noexcept {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      for (unsigned turn = 0; locked_.load(std::memory_order_relaxed); ++turn) wait_turn(turn);
    }
  }
  [[nodiscard]] bool try_lock() noexcept {
    return !locked_.load(std::memory_order_relaxed) && !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace fast_cache::detail::memory
