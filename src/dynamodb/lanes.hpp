// The backend's clients besides its io thread's, so that a call runs where its caller is: one per
// calling thread for the sync API (a private io_context, run by that thread during its call), one
// per caller's io_context for the async API (on a strand of that io_context). Either way no
// request crosses a thread, where the io thread costs two thread switches each way per call.
#pragma once

#include "dynamodb/client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

namespace fast_cache::dynamodb {

/// What every client of one backend is made from.
struct client_settings {
  resolved_config config;
  net::client_options http;
  retry_policy retry;
  detail::backend_counters* counters = nullptr;  ///< the backend's, shared by every client
};

/// One thread's client of one backend. Only the owning thread runs `ioc`, and only while it holds `busy`.
struct thread_lane {
  explicit thread_lane(const client_settings& settings);

  std::mutex busy;  // held by the owner during a call
  boost::asio::io_context ioc{1};
  std::optional<client> api;  // reset by close_all(): the connection goes with it
  std::atomic<bool> retired{false};
};

/// One io_context's client of one backend; operations run on `strand`, since several threads may
/// run the io_context, and so does the client. The io_context owns it (see lanes.cpp), so it goes
/// when the io_context does.
struct context_lane {
  context_lane(boost::asio::io_context& ioc, const client_settings& settings);

  boost::asio::strand<boost::asio::io_context::executor_type> strand;
  std::optional<client> api;  // used on strand only
  std::atomic<bool> retired{false};
};

/// Makes and finds one backend's lanes. The lanes are owned where they run (a thread_local map, an
/// io_context service), so a thread's exit or an io_context's destruction frees them; the registry
/// keeps weak references to close them.
class lane_registry {
 public:
  explicit lane_registry(client_settings settings);

  /// The calling thread's lane, made on first use; nullptr once close_all() has run.
  std::shared_ptr<thread_lane> for_this_thread();
  /// The lane of `ioc`, made on first use; nullptr once close_all() has run.
  std::shared_ptr<context_lane> for_context(boost::asio::io_context& ioc);

  /// Fails calls in flight on every lane with errc::closed. Thread lanes' calls are waited for and
  /// their connections closed here; an io_context lane's close runs on that io_context, when it runs.
  void close_all();

 private:
  const std::uint64_t id_;  // never reused, unlike an address: a stale entry of a lane's owner cannot match
  client_settings settings_;
  std::mutex mutex_;
  std::vector<std::weak_ptr<thread_lane>> threads_;
  std::vector<std::weak_ptr<context_lane>> contexts_;
  bool closed_ = false;
};

template <class T>
struct lane_result {
  bool done = false;
  std::exception_ptr error;
  std::optional<T> value;
};
template <>
struct lane_result<void> {
  bool done = false;
  std::exception_ptr error;
};

// The completion handler of a call run on a thread lane; a named type, not a capturing lambda (GCC PR 100611).
template <class T>
struct store_result {
  lane_result<T>* out;
  void operator()(std::exception_ptr e, T value) {
    out->done = true;
    out->error = e;
    if (!e) out->value.emplace(std::move(value));
  }
};
template <>
struct store_result<void> {
  lane_result<void>* out;
  void operator()(std::exception_ptr e) {
    out->done = true;
    out->error = e;
  }
};

/// Runs `op` to completion on the calling thread. The caller holds lane.busy and has checked that
/// the lane is not retired.
template <class T>
T run_on(thread_lane& lane, boost::asio::awaitable<T> op) {
  lane_result<T> result;
  // On the client's executor, where the client reaches its connections directly.
  boost::asio::co_spawn(lane.api->executor(), std::move(op), store_result<T>{&result});
  lane.ioc.restart();
  // Until the call is done, not until the io_context runs dry: the client's request timer stays
  // armed between calls, and its handler runs during a later one.
  while (!result.done && lane.ioc.run_one() != 0) {
  }
  // Only the call's own work keeps the lane's io_context from running dry: this cannot happen.
  if (!result.done) throw std::logic_error("a DynamoDB call on a thread lane ended without a result");
  if (result.error) std::rethrow_exception(result.error);
  if constexpr (!std::is_void_v<T>) return std::move(*result.value);
}

}  // namespace fast_cache::dynamodb
