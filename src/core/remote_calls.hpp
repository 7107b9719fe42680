// How remote backends (DynamoDB, Redis) run a call: admission through the circuit breaker, the
// async completion (an error code, the diagnosis, the counters), and the caller's cancellation
// carried to the coroutine that does the work. One place for what every remote backend does the
// same way; each backend brings its operations and where they run.
#pragma once

#include "core/backend_counters.hpp"
#include "core/circuit_breaker.hpp"
#include "core/forward_cancellation.hpp"

#include <fast_cache/completion.hpp>
#include <fast_cache/error.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <exception>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace fast_cache::detail {

/// A remote backend's breaker and counters, shared by its calls in flight.
struct call_accounting {
  explicit call_accounting(const circuit_breaker_options& options) : breaker(options) {}
  circuit_breaker breaker;
  backend_counters counters;
};

/// What a call gets before it may go to the server: a breaker ticket, or the error to fail with
/// (already counted).
struct admission {
  circuit_breaker::ticket ticket;
  std::optional<Error> refusal;
};

/// Counts a call and asks the breaker; `server` names it in the refusal ("Redis at host:port").
inline admission admit(call_accounting& a, const std::string& server) {
  a.counters.started();
  const auto now = std::chrono::steady_clock::now();
  admission out{a.breaker.admit(now), std::nullopt};
  if (!out.ticket.allowed) {
    a.counters.rejected_by_breaker();
    out.refusal.emplace(errc::unavailable, server + ": circuit breaker open after repeated failures; next probe in " +
                                               std::to_string(a.breaker.retry_in(now).count()) + " ms");
    a.counters.finished(out.refusal->code());
  }
  return out;
}

/// Counts a finished call and tells the breaker how it went.
inline void settle(call_accounting& a, const circuit_breaker::ticket& ticket, const boost::system::error_code& ec) {
  a.counters.finished(ec);
  a.breaker.report(ticket, circuit_breaker::classify(ec), std::chrono::steady_clock::now());
}

/// Completes an async call: its outcome as an error code (the diagnosis into diag), counted.
/// `signal`, when the caller can cancel: its slot holds a forwarder to the operation's
/// coroutine, which must go before the caller's handler runs. Until then the handler's executor
/// has outstanding work, as Asio asks of an operation: an io_context waiting only for this call
/// keeps running.
template <class Handler>
class deliver_base {
 public:
  deliver_base(Handler handler, diagnostics* diag, std::shared_ptr<call_accounting> accounting,
               circuit_breaker::ticket ticket, std::shared_ptr<boost::asio::cancellation_signal> signal)
      : handler_(std::move(handler)),
        work_(boost::asio::prefer(boost::asio::get_associated_executor(handler_),
                                  boost::asio::execution::outstanding_work.tracked)),
        diag_(diag),
        accounting_(std::move(accounting)),
        ticket_(ticket),
        signal_(std::move(signal)) {}

 protected:
  template <class... Result>
  void complete(const std::exception_ptr& e, Result&&... result) {
    const auto ec = error_code_from(e, diag_);
    settle(*accounting_, ticket_, ec);
    if (signal_) boost::asio::get_associated_cancellation_slot(handler_).clear();
    post_completion(std::move(handler_), ec, std::forward<Result>(result)...);
  }

 private:
  Handler handler_;
  std::decay_t<decltype(boost::asio::prefer(std::declval<boost::asio::associated_executor_t<Handler>>(),
                                            boost::asio::execution::outstanding_work.tracked))>
      work_;
  diagnostics* diag_;
  std::shared_ptr<call_accounting> accounting_;
  circuit_breaker::ticket ticket_;
  // Outlives the call: co_spawn's cancellation state lives in the signal's slot until it returns.
  std::shared_ptr<boost::asio::cancellation_signal> signal_;
};

template <class Handler, class T>
struct deliver : deliver_base<Handler> {
  using deliver_base<Handler>::deliver_base;
  void operator()(std::exception_ptr e, T value) { this->complete(e, std::move(value)); }
};
template <class Handler>
struct deliver<Handler, void> : deliver_base<Handler> {
  using deliver_base<Handler>::deliver_base;
  void operator()(std::exception_ptr e) { this->complete(e); }
};

/// An operation that reports cancellation as operation_aborted from the step it cancels, never
/// by a throw at its next co_await: in Asio 1.81, co_spawn's own steps around the operation
/// would let such a throw escape from io_context::run().
template <class T>
boost::asio::awaitable<T> cancellable(boost::asio::awaitable<T> op) {
  co_await boost::asio::this_coro::throw_if_cancelled(false);
  co_return co_await std::move(op);
}

/// Runs op on ex and completes handler with its outcome; the caller's cancellation reaches op.
template <class Executor, class Handler, class T>
void spawn_call(const Executor& ex, boost::asio::awaitable<T> op, Handler handler, diagnostics* diag,
                const std::shared_ptr<call_accounting>& accounting, circuit_breaker::ticket ticket) {
  auto signal = forward_cancellation(boost::asio::get_associated_cancellation_slot(handler), ex);
  if (!signal) {
    boost::asio::co_spawn(ex, std::move(op),
                          deliver<Handler, T>(std::move(handler), diag, accounting, ticket, nullptr));
    return;
  }
  auto op_slot = signal->slot();
  boost::asio::co_spawn(
      ex, cancellable(std::move(op)),
      boost::asio::bind_cancellation_slot(
          op_slot, deliver<Handler, T>(std::move(handler), diag, accounting, ticket, std::move(signal))));
}

/// A call run on a backend's own I/O thread and waited for by the calling thread: the
/// synchronous API of such a backend. wait() throws Error with the code and diagnosis the async
/// API would complete with. The failure crosses threads as that code and diagnosis, never as the
/// exception_ptr: its count is released inside libstdc++, which ThreadSanitizer does not see, and
/// matching that report against the suppressions stalls the I/O thread for the first
/// symbolisation, long enough to cost a short budget.
template <class T>
class blocking_call {
 public:
  /// Starts op on ex.
  template <class Executor>
  blocking_call(const Executor& ex, boost::asio::awaitable<T> op) {
    auto done = std::make_shared<std::promise<outcome>>();
    result_ = done->get_future();
    if constexpr (std::is_void_v<T>) {
      boost::asio::co_spawn(ex, std::move(op), [done](std::exception_ptr e) { finish(*done, e, true); });
    } else {
      boost::asio::co_spawn(ex, std::move(op),
                            [done](std::exception_ptr e, T value) { finish(*done, e, std::move(value)); });
    }
  }

  /// Blocks until the call ends; its value, or Error.
  T wait() {
    outcome o = result_.get();
    if (o.ec) throw Error(o.ec, std::move(o.diag));
    if constexpr (!std::is_void_v<T>) return std::move(*o.value);
  }

 private:
  struct outcome {
    std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> value;
    boost::system::error_code ec;
    diagnostics diag;
  };

  template <class V>
  static void finish(std::promise<outcome>& done, const std::exception_ptr& e, V&& value) {
    outcome o;
    o.ec = error_code_from(e, &o.diag);
    if (!e) o.value.emplace(std::forward<V>(value));
    done.set_value(std::move(o));
  }

  std::future<outcome> result_;
};

/// Completes handler with error, as a call that never started.
template <class Handler, class T>
void fail_at_once(Handler handler, diagnostics* diag, const Error& error) {
  const auto ec = error_code_from(std::make_exception_ptr(error), diag);
  if constexpr (std::is_void_v<T>)
    post_completion(std::move(handler), ec);
  else
    post_completion(std::move(handler), ec, T{});
}

}  // namespace fast_cache::detail
