// Polls a condition with a deadline, so concurrency tests wait for a state rather than a time.
#pragma once

#include <chrono>
#include <thread>

namespace fast_cache::testing {

template <class Condition>
bool wait_for(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace fast_cache::testing
