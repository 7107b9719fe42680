// DynamoDBBackend against a running server: get (GetItem) or set (PutItem) of one item for a
// while, either sequentially through the sync API or with N coroutines in flight through the async
// API. Prints one JSON line with ops/s and the process CPU time (every thread, the backend's I/O
// thread included) per operation, the same measures as boto3_bench.py and js_bench.mjs.
//
//   bench_dynamodb ENDPOINT TABLE NAMESPACE KEY VALUE_BYTES get|put IN_FLIGHT WARM_UP_SECONDS SECONDS
//   bench_dynamodb ENDPOINT TABLE NAMESPACE KEY VALUE_BYTES get|put --ops N
// The item must exist (setup_table.py); sequential mode is IN_FLIGHT 0, the sync API. `--ops N`
// makes exactly N sequential calls and prints nothing: a fixed amount of work for callgrind, whose
// instruction counts are steady where wall-clock time is not. Run it with two N and divide the
// difference by theirs to cancel start-up.
#include <fast_cache/dynamodb_backend.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;
using seconds_d = std::chrono::duration<double>;

namespace {

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto s = [](timeval t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(usage.ru_utime) + s(usage.ru_stime);
}

struct workload {
  fast_cache::DynamoDBBackend* backend;
  std::string key;
  std::string value;
  bool put;
};

// The measured window: opened after a warm-up (connections, caches), closed after `length`.
struct window {
  bool measuring = false;
  bool stopped = false;
  long ops = 0;
  clock_type::time_point wall0, wall1;
  double cpu0 = 0, cpu1 = 0;

  void open() {
    measuring = true;
    wall0 = clock_type::now();
    cpu0 = cpu_seconds();
  }
  void close() {
    wall1 = clock_type::now();
    cpu1 = cpu_seconds();
    measuring = false;
    stopped = true;
  }
};

void call(const workload& w) {
  if (w.put) {
    w.backend->set(w.key, w.value);
  } else {
    (void)w.backend->get(w.key);
  }
}

void run_sequential(const workload& w, window& m, seconds_d warm_up, seconds_d length) {
  const auto warm_end = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(warm_up);
  while (clock_type::now() < warm_end) call(w);
  m.open();
  const auto end = m.wall0 + std::chrono::duration_cast<clock_type::duration>(length);
  do {
    call(w);
    ++m.ops;
  } while (clock_type::now() < end);
  m.close();
}

// Named coroutines with by-value parameters (GCC PR 100611); all run on one thread.
asio::awaitable<void> worker(workload w, window* m) {
  while (!m->stopped) {
    if (w.put) {
      co_await w.backend->async_set(w.key, w.value, asio::use_awaitable);
    } else {
      (void)co_await w.backend->async_get(w.key, asio::use_awaitable);
    }
    if (m->measuring) ++m->ops;
  }
}

asio::awaitable<void> controller(window* m, seconds_d warm_up, seconds_d length) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(std::chrono::duration_cast<clock_type::duration>(warm_up));
  co_await timer.async_wait(asio::use_awaitable);
  m->open();
  timer.expires_after(std::chrono::duration_cast<clock_type::duration>(length));
  co_await timer.async_wait(asio::use_awaitable);
  m->close();
}

void run_in_flight(const workload& w, window& m, int in_flight, seconds_d warm_up, seconds_d length) {
  asio::io_context ioc(1);
  for (int i = 0; i < in_flight; ++i) asio::co_spawn(ioc, worker(w, &m), asio::detached);
  asio::co_spawn(ioc, controller(&m, warm_up, length), asio::detached);
  ioc.run();
}

}  // namespace

int main(int argc, char** argv) try {
  const bool fixed_count = argc == 9 && std::string_view(argv[7]) == "--ops";
  if (argc != 10 && !fixed_count) {
    std::fprintf(stderr,
                 "usage: %s ENDPOINT TABLE NAMESPACE KEY VALUE_BYTES get|put IN_FLIGHT WARM_UP SECONDS\n"
                 "       %s ENDPOINT TABLE NAMESPACE KEY VALUE_BYTES get|put --ops N\n",
                 argv[0], argv[0]);
    return 2;
  }
  const std::string op = argv[6];

  // Fixed dummy credentials: DynamoDB Local checks no signature; -sharedDb ignores the key.
  fast_cache::DynamoDBBackend backend({.table_name = argv[2],
                                       .region_name = "us-east-1",
                                       .namespace_ = argv[3],
                                       .aws_access_key_id = "fake",
                                       .aws_secret_access_key = "fake",
                                       .endpoint_url = argv[1],
                                       .create_table = false});
  const workload w{&backend, argv[4], std::string(std::strtoul(argv[5], nullptr, 10), 'v'), op == "put"};
  if (!w.put && backend.get(w.key) != w.value) {
    std::fprintf(stderr, "bench_dynamodb: item %s:%s is missing or differs; run setup_table.py\n", argv[3], argv[4]);
    return 1;
  }
  if (fixed_count) {
    for (long n = std::atol(argv[8]); n > 0; --n) call(w);
    return 0;
  }

  const int in_flight = std::atoi(argv[7]);
  const seconds_d warm_up(std::atof(argv[8]));
  const seconds_d length(std::atof(argv[9]));
  window m;
  if (in_flight == 0) {
    run_sequential(w, m, warm_up, length);
  } else {
    run_in_flight(w, m, in_flight, warm_up, length);
  }

  const double wall = seconds_d(m.wall1 - m.wall0).count();
  std::printf(
      "{\"client\":\"fast_cache\",\"op\":\"%s\",\"in_flight\":%d,\"ops\":%ld,\"seconds\":%.3f,\"ops_per_s\":%.1f,"
      "\"cpu_us_per_op\":%.2f}\n",
      op.c_str(), std::max(in_flight, 1), m.ops, wall, static_cast<double>(m.ops) / wall,
      (m.cpu1 - m.cpu0) * 1e6 / static_cast<double>(m.ops));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_dynamodb: %s\n", e.what());
  return 1;
}
