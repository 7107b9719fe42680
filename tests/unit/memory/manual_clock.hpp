// A clock the tests move by hand, injected through InMemoryOptions::clock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace fast_cache::test {

class manual_clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  /// What InMemoryOptions::clock takes; copies share this clock's time and read counter.
  [[nodiscard]] std::function<time_point()> function() const { return reader{state_}; }

  void advance(std::chrono::steady_clock::duration d) { state_->now_ns.fetch_add(d.count()); }
  /// How often the backend has read the clock.
  [[nodiscard]] std::int64_t reads() const { return state_->reads.load(); }

 private:
  struct state {
    std::atomic<std::int64_t> now_ns{std::chrono::nanoseconds(std::chrono::hours(1)).count()};
    std::atomic<std::int64_t> reads{0};
  };
  struct reader {
    std::shared_ptr<state> s;
    time_point operator()() const {
      s->reads.fetch_add(1);
      return time_point(std::chrono::nanoseconds(s->now_ns.load()));
    }
  };

  std::shared_ptr<state> state_ = std::make_shared<state>();
};

}  // namespace fast_cache::test
