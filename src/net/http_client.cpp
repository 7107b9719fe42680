// http_client: starts each request as a coroutine on the client's strand and completes the
// caller's handler on the caller's executor.
#include "net/http_client.hpp"

#include "core/forward_cancellation.hpp"
#include "net/client_state.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>

namespace fast_cache::net {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using handler_type = asio::any_completion_handler<http_client::signature>;

// A named coroutine with by-value parameters: a capturing lambda here would be destroyed twice
// by g++ 12 (PR 100611). `signal` (when the caller can cancel) is kept alive for the coroutine.
asio::awaitable<void> run_request(std::shared_ptr<client_state> state, http_request req, handler_type handler,
                                  std::shared_ptr<asio::cancellation_signal> signal) {
  // Keeps the caller's executor alive (io_context::run does not return) until we complete.
  const auto work =
      asio::prefer(asio::get_associated_executor(handler, state->strand()), asio::execution::outstanding_work.tracked);
  // Cancellation ends each awaited step with operation_aborted rather than an exception, so the
  // pool always gets its connection or slot back.
  co_await asio::this_coro::throw_if_cancelled(false);
  co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
  http_response res;
  const error_code ec = co_await state->perform(req, res);
  if (signal) asio::get_associated_cancellation_slot(handler).clear();  // the forwarder goes before we complete
  asio::dispatch(work, asio::append(std::move(handler), ec, std::move(res)));
}

}  // namespace

http_client::http_client(asio::io_context::executor_type ex, endpoint ep, client_options opts)
    : http_client(serial_executor(asio::make_strand(ex)), std::move(ep), std::move(opts)) {}

http_client::http_client(serial_executor ex, endpoint ep, client_options opts)
    : endpoint_(ep), state_(std::make_shared<client_state>(std::move(ex), std::move(ep), std::move(opts))) {}

const serial_executor& http_client::executor() const noexcept { return state_->strand(); }

// Not a coroutine: the caller awaits perform's frame directly.
asio::awaitable<error_code> http_client::request(http_request& req, http_response& res) {
  return state_->perform(req, res);
}

http_client::~http_client() { close(); }

void http_client::close() { state_->close(); }

void http_client::start(http_request req, handler_type handler) {
  auto signal = detail::forward_cancellation(asio::get_associated_cancellation_slot(handler), state_->strand());
  if (!signal) {
    asio::co_spawn(state_->strand(), run_request(state_, std::move(req), std::move(handler), nullptr), asio::detached);
    return;
  }
  auto request_slot = signal->slot();
  asio::co_spawn(state_->strand(), run_request(state_, std::move(req), std::move(handler), std::move(signal)),
                 asio::bind_cancellation_slot(request_slot, asio::detached));
}

}  // namespace fast_cache::net
