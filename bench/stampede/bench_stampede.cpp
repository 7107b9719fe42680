// A stampede: N coroutines call the same cached coroutine with the same cold key at once, on an
// io_context run by one thread per core. The function awaits a timer for its duration. Reports,
// for each trial, how often the function ran and the slowest caller's wait over the function's
// duration; single-flight should make that 1 run and a ratio near 1.
//
//   bench_stampede [--callers N] [--trials N] [--function-ms N]
// Prints one JSON object.
#include <fast_cache/fast_cache.hpp>
#include <fast_cache/memory_backend.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  int callers = 1000;
  int trials = 5;
  int function_ms = 50;
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const int value = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--callers") == 0)
      o.callers = value;
    else if (std::strcmp(argv[i], "--trials") == 0)
      o.trials = value;
    else if (std::strcmp(argv[i], "--function-ms") == 0)
      o.function_ms = value;
    else {
      std::fprintf(stderr, "usage: %s [--callers N] [--trials N] [--function-ms N]\n", argv[0]);
      std::exit(2);
    }
  }
  return o;
}

// The slow function: a named callable rather than a capturing lambda (GCC PR 100611).
struct slow_function {
  std::atomic<int>* runs;
  std::chrono::milliseconds duration;

  asio::awaitable<std::string> operator()(int x) const {
    runs->fetch_add(1, std::memory_order_relaxed);
    asio::steady_timer timer(co_await asio::this_coro::executor, duration);
    co_await timer.async_wait(asio::use_awaitable);
    co_return "result " + std::to_string(x);
  }
};

using cached_slow = fast_cache::cached_function<slow_function>;

struct trial_state {
  clock_type::time_point start;
  std::vector<clock_type::duration> waits;  // one slot per caller, written by that caller only
  std::atomic<int> wrong{0};                // callers that got another answer or an error
  std::atomic<int> finished{0};
};

asio::awaitable<void> caller(cached_slow fn, int x, int slot, trial_state* t) {
  try {
    // Awaited into a variable: g++ 12 miscompiles some co_await inside larger expressions.
    const std::string answer = co_await fn(x);
    if (answer != "result " + std::to_string(x)) t->wrong.fetch_add(1);
  } catch (...) {
    t->wrong.fetch_add(1);
  }
  t->waits[static_cast<std::size_t>(slot)] = clock_type::now() - t->start;
  t->finished.fetch_add(1, std::memory_order_release);
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  fast_cache::Cache cache;
  cache.init(std::make_shared<fast_cache::InMemoryBackend>());
  std::atomic<int> runs{0};
  const cached_slow fn = cache.cached("slow", {.expire = std::chrono::minutes(5)},
                                      slow_function{&runs, std::chrono::milliseconds(o.function_ms)});

  asio::io_context ioc;
  auto work = asio::make_work_guard(ioc);
  const unsigned threads = std::max(2u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });

  std::printf("{\"callers\":%d,\"function_ms\":%d,\"threads\":%u,\"trials\":[", o.callers, o.function_ms, threads);
  for (int trial = 0; trial < o.trials; ++trial) {
    runs = 0;
    trial_state t;
    t.waits.resize(static_cast<std::size_t>(o.callers));
    t.start = clock_type::now();
    // Each trial uses a key no earlier trial stored, so it starts cold.
    for (int slot = 0; slot < o.callers; ++slot) asio::co_spawn(ioc, caller(fn, trial, slot, &t), asio::detached);
    while (t.finished.load(std::memory_order_acquire) < o.callers)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::sort(t.waits.begin(), t.waits.end());
    const auto ms = [](clock_type::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
    std::printf("%s{\"runs\":%d,\"wrong\":%d,\"p50_ms\":%.2f,\"max_ms\":%.2f}", trial ? "," : "", runs.load(),
                t.wrong.load(), ms(t.waits[t.waits.size() / 2]), ms(t.waits.back()));
  }
  std::printf("]}\n");
  work.reset();
  for (auto& thread : pool) thread.join();
}
