// Per-thread clients for the sync API: each calling thread runs its operations itself, on a
// private io_context with a keep-alive connection of its own, instead of handing them to the
// backend's I/O thread and waiting (two thread switches each way per call).
#pragma once

#include "dynamodb/client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace fast_cache::dynamodb {

/// One thread's client of one backend. Only the owning thread runs `ioc`, and only while it holds `busy`.
struct thread_lane {
  thread_lane(const resolved_config& config, const net::client_options& http, retry_policy retry);

  std::mutex busy;  // held by the owner during a call
  boost::asio::io_context ioc{1};
  std::optional<client> api;  // reset by close_all(): the connection goes with it
  std::atomic<bool> retired{false};
};

/// Where a backend's lanes are made and found: a thread_local map from registry id to lane owns
/// them (so a thread's exit frees its lanes), and the registry keeps weak references to close them.
class lane_registry {
 public:
  lane_registry(resolved_config config, net::client_options http, retry_policy retry);

  /// The calling thread's lane, made on first use; nullptr once close_all() has run.
  std::shared_ptr<thread_lane> for_this_thread();

  /// Fails calls in flight on any lane with errc::closed, waits for them to unwind, and drops every
  /// lane's client with its connection. Later for_this_thread() calls return nullptr.
  void close_all();

 private:
  const std::uint64_t id_;  // never reused, unlike an address: stale thread_local entries cannot match
  resolved_config config_;
  net::client_options http_;
  retry_policy retry_;
  std::mutex mutex_;
  std::vector<std::weak_ptr<thread_lane>> lanes_;
  bool closed_ = false;
};

template <class T>
struct lane_result {
  std::exception_ptr error;
  std::optional<T> value;
};
template <>
struct lane_result<void> {
  std::exception_ptr error;
};

// The completion handler of a call run on a lane; a named type, not a capturing lambda (GCC PR 100611).
template <class T>
struct store_result {
  lane_result<T>* out;
  void operator()(std::exception_ptr e, T value) {
    out->error = e;
    if (!e) out->value.emplace(std::move(value));
  }
};
template <>
struct store_result<void> {
  lane_result<void>* out;
  void operator()(std::exception_ptr e) { out->error = e; }
};

/// Runs `op` to completion on the calling thread. The caller holds lane.busy and has checked that
/// the lane is not retired.
template <class T>
T run_on(thread_lane& lane, boost::asio::awaitable<T> op) {
  lane_result<T> result;
  boost::asio::co_spawn(lane.ioc, std::move(op), store_result<T>{&result});
  lane.ioc.restart();
  lane.ioc.run();
  if (result.error) std::rethrow_exception(result.error);
  if constexpr (!std::is_void_v<T>) return std::move(*result.value);
}

}  // namespace fast_cache::dynamodb
