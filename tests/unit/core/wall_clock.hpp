// A wall clock the tests move by hand, injected through CacheOptions::clock.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

namespace fast_cache::test {

class manual_wall_clock {
 public:
  using time_point = std::chrono::system_clock::time_point;

  /// What CacheOptions::clock takes; copies share this clock's time.
  [[nodiscard]] std::function<time_point()> function() const {
    return [state = state_] { return time_point(std::chrono::milliseconds(state->load())); };
  }
  void advance(std::chrono::milliseconds d) { state_->fetch_add(d.count()); }

 private:
  // Some day in 2026, in epoch milliseconds.
  std::shared_ptr<std::atomic<std::int64_t>> state_ = std::make_shared<std::atomic<std::int64_t>>(1'790'000'000'000);
};

}  // namespace fast_cache::test
