// client_state: the pool (try_acquire, wait_for_connection, release, close), address cache and request retry policy.
#include "net/client_state.hpp"

#include "core/nothrow_awaitable.hpp"

#include <fast_cache/error.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/ssl.h>

#include <algorithm>

namespace fast_cache::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

using fast_cache::detail::nothrow_awaitable;
using time_point = std::chrono::steady_clock::time_point;

// How long a step may take: its own timeout, cut to what is left before the deadline.
std::chrono::milliseconds step_timeout(std::chrono::milliseconds step, time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return std::max(std::chrono::milliseconds(0), std::min(step, left));
}

asio::awaitable<bool> cancelled() {
  const auto state = co_await asio::this_coro::cancellation_state;
  co_return state.cancelled() != asio::cancellation_type::none;
}

// A DNS lookup that outlives the request waiting for it: getaddrinfo runs on a thread of its own
// and cannot be interrupted, so the request waits on a timer it can leave at the deadline; the
// lookup's completion finds this state still alive and ends the wait early when it comes first.
struct pending_lookup {
  explicit pending_lookup(const serial_executor& strand) : resolver(strand), wakeup(strand) {}
  asio::ip::tcp::resolver resolver;
  asio::steady_timer wakeup;
  error_code ec;
  asio::ip::tcp::resolver::results_type results;
  bool done = false;
};

struct lookup_done {
  std::shared_ptr<pending_lookup> lookup;
  void operator()(const error_code& ec, asio::ip::tcp::resolver::results_type results) const {
    lookup->ec = ec;
    lookup->results = std::move(results);
    lookup->done = true;
    lookup->wakeup.cancel();
  }
};

asio::ssl::context make_tls_context(const client_options& opts) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  if (!opts.verify_tls) {
    ctx.set_verify_mode(asio::ssl::verify_none);
    return ctx;
  }
  ctx.set_verify_mode(asio::ssl::verify_peer);
  error_code ec;
  ctx.set_default_verify_paths(ec);  // a system without a CA store still works with ca_file
  if (!opts.ca_file.empty()) {
    ctx.load_verify_file(opts.ca_file, ec);
    if (ec) throw Error(errc::invalid_argument, "cannot load CA file \"" + opts.ca_file + "\": " + ec.message());
  }
  return ctx;
}

// What an exception out of a request's steps reports.
error_code error_from(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::bad_alloc&) {
    return make_error_code(boost::system::errc::not_enough_memory);
  } catch (const boost::system::system_error& e) {
    return e.code();
  } catch (const std::exception&) {  // make_request_head's refusal of a TRACE request with a body
    return make_error_code(boost::system::errc::invalid_argument);
  }
}

// Rejects what would let a caller's text change the message framing (CR, LF, NUL) or break it
// (empty or spaced header names, a target with spaces or controls).
bool well_formed(const http_request& req) {
  const auto control = [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; };
  const auto bad_target_char = [&](char c) { return control(c) || c == ' '; };
  const auto bad_name_char = [&](char c) { return control(c) || c == ' ' || c == ':'; };
  // One comparison for nearly every byte: values are checked on every request.
  const auto bad_value_char = [](char c) {
    return static_cast<unsigned char>(c) <= '\r' && (c == '\r' || c == '\n' || c == '\0');
  };
  if (req.target.empty() || std::ranges::any_of(req.target, bad_target_char)) return false;
  return std::ranges::none_of(req.headers, [&](const auto& h) {
    return h.first.empty() || std::ranges::any_of(h.first, bad_name_char) ||
           std::ranges::any_of(h.second, bad_value_char);
  });
}

}  // namespace

client_state::client_state(serial_executor strand, endpoint ep, client_options opts)
    : strand_(std::move(strand)),
      endpoint_(std::move(ep)),
      host_header_(endpoint_.host_header()),
      options_(std::move(opts)),
      watchdog_(strand_) {
  if (options_.max_connections == 0) throw Error(errc::invalid_argument, "max_connections must be at least 1");
  if (endpoint_.tls) tls_.emplace(make_tls_context(options_));
}

void client_state::close() {
  if (closed_.exchange(true)) return;
  // The lambda captures a shared_ptr only and is not a coroutine: GCC PR 100611 does not apply.
  asio::dispatch(strand_, [self = shared_from_this()] { self->close_now(); });
}

void client_state::close_now() {
  watchdog_armed_ = false;
  watchdog_.cancel();
  for (auto* w : waiters_) w->wakeup.cancel();
  waiters_.clear();
  slots_ -= idle_.size();
  idle_.clear();
  for (auto* c : live_) c->shutdown();
}

asio::awaitable<error_code> client_state::perform(http_request& req, http_response& res) {
  // The pool outlives the request, whoever owns the client: a request awaited directly
  // (http_client::request) has no other owner keeping it.
  const auto self = shared_from_this();
  lease held;
  bool holding = false;  // held's pool slot is ours to give back
  error_code ec;
  try {
    if (closed_) co_return error_code(asio::error::operation_aborted);
    if (!well_formed(req)) co_return make_error_code(boost::system::errc::invalid_argument);
    const time_point deadline = req.deadline;
    const request_head head = make_request_head(req, host_header_);
    const bool no_body = req.method == http::verb::head;
    if (std::optional<lease> ready = try_acquire()) {
      held = std::move(*ready);
    } else {
      held = co_await wait_for_connection(deadline);
    }
    if (held.ec) co_return held.ec;
    holding = true;
    if (closed_) {  // close() ran on another thread while we waited; its strand work is still queued
      holding = false;
      release(std::move(held.conn), false);
      co_return error_code(asio::error::operation_aborted);
    }

    for (bool retried = false;; retried = true) {
      if (!held.conn) {
        ec = co_await open(held.conn, deadline);
        if (ec) {
          holding = false;
          release(nullptr, false);
          co_return closed_ ? error_code(asio::error::operation_aborted) : ec;
        }
      }
      const auto timeout = step_timeout(options_.request_timeout, deadline);
      // Awaited apart: g++ 12 miscompiles co_await inside conditions.
      const asio::cancellation_state cancellation = co_await asio::this_coro::cancellation_state;
      // close() may have run while this request resolved or connected: nothing would watch it then.
      const bool stop = cancellation.cancelled() != asio::cancellation_type::none || closed_;
      if (timeout.count() == 0 || stop) {
        holding = false;
        release(std::move(held.conn), true);  // unused: still sound
        co_return timeout.count() == 0 ? error_code(beast::error::timeout) : error_code(asio::error::operation_aborted);
      }
      watch(*held.conn, std::chrono::steady_clock::now() + timeout);
      const exchange_result result =
          co_await held.conn->exchange(head, req.body, no_body, res, options_.max_response_bytes);
      unwatch(*held.conn);
      // The server closed a pooled connection while it was idle and never saw the request: send it
      // once more, on a new connection in the same pool slot (another idle one may be just as dead).
      if (result.ec && result.stale && held.reused && !retried && !closed_) {
        held.conn.reset();
        held.reused = false;
        continue;
      }
      holding = false;
      release(std::move(held.conn), !result.ec && result.keep_alive);
      if (result.ec && closed_) co_return error_code(asio::error::operation_aborted);
      co_return result.ec;
    }
  } catch (...) {
    // An exception must not keep the slot: the pool would be a connection short for good.
    if (holding) release(std::move(held.conn), false);
    disarm_if_idle();  // the exception may have come between watch and unwatch
    ec = error_from(std::current_exception());
  }
  co_return ec;
}

std::optional<client_state::lease> client_state::try_acquire() {
  if (closed_) return lease{asio::error::operation_aborted, nullptr};
  drop_expired_idle();
  if (!idle_.empty()) {
    lease taken{{}, std::move(idle_.back()), true};
    idle_.pop_back();
    return taken;
  }
  if (slots_ < options_.max_connections) {
    ++slots_;
    return lease{};
  }
  return std::nullopt;
}

asio::awaitable<client_state::lease> client_state::wait_for_connection(time_point deadline) {
  waiter w{asio::steady_timer(strand_, deadline), nullptr};
  // Nothing can throw between here and the wait: a cancelled caller that throws on cancellation
  // throws at its co_await of this coroutine, before w is queued.
  waiters_.push_back(&w);
  auto [ec] = co_await w.wakeup.async_wait(nothrow_awaitable);
  if (w.granted) {
    const bool reused = w.conn != nullptr;
    co_return lease{{}, std::move(w.conn), reused};
  }
  // close() emptied the queue; the deadline or a cancellation leaves us in it.
  std::erase(waiters_, &w);
  co_return lease{ec || closed_ ? error_code(asio::error::operation_aborted) : error_code(beast::error::timeout),
                  nullptr};
}

asio::awaitable<error_code> client_state::resolve(time_point deadline) {
  const auto lookup = std::make_shared<pending_lookup>(strand_);
  lookup->wakeup.expires_after(step_timeout(options_.connect_timeout, deadline));
  lookup->resolver.async_resolve(endpoint_.host, std::to_string(endpoint_.port), lookup_done{lookup});
  auto [ec] = co_await lookup->wakeup.async_wait(nothrow_awaitable);
  if (!lookup->done) {
    lookup->resolver.cancel();  // its completion still comes, later, and finds `lookup` alive
    co_return ec ? error_code(asio::error::operation_aborted) : error_code(beast::error::timeout);
  }
  if (lookup->ec) co_return lookup->ec;
  addresses_ = std::move(lookup->results);
  co_return error_code{};
}

asio::awaitable<error_code> client_state::open(std::unique_ptr<connection>& conn, time_point deadline) {
  const bool stop = co_await cancelled();
  if (stop) co_return error_code(asio::error::operation_aborted);
  if (!addresses_) {
    if (const auto ec = co_await resolve(deadline)) co_return ec;
  }
  const auto timeout = step_timeout(options_.connect_timeout, deadline);
  if (timeout.count() == 0) co_return error_code(beast::error::timeout);
  const auto addresses = *addresses_;  // a copy shares the results; another request may reset the cache
  conn = std::make_unique<connection>(strand_, tls_ ? &*tls_ : nullptr, live_);
  const auto ec = co_await conn->connect(addresses, endpoint_, options_.verify_tls, timeout);
  if (ec) {
    conn.reset();
    addresses_.reset();  // the host may have moved: resolve again next time
  }
  co_return ec;
}

void client_state::release(std::unique_ptr<connection> conn, bool reusable) {
  if (!reusable || closed_) conn.reset();
  if (!waiters_.empty()) {
    // FIFO hand-over: the first waiter gets this connection, or this slot to connect itself.
    waiter* w = waiters_.front();
    waiters_.pop_front();
    w->conn = std::move(conn);
    w->granted = true;
    w->wakeup.cancel();
    return;
  }
  if (!conn) {
    --slots_;
    return;
  }
  conn->idle_since = std::chrono::steady_clock::now();
  idle_.push_back(std::move(conn));
}

void client_state::watch(connection& conn, time_point deadline) {
  conn.deadline = deadline;
  if (!watchdog_armed_ || deadline < watchdog_.expiry()) arm_watchdog(deadline);
}

void client_state::unwatch(connection& conn) {
  conn.deadline = connection::no_deadline;
  disarm_if_idle();
}

void client_state::disarm_if_idle() {
  // Once closed, nothing else would cancel it.
  if ((options_.timer_outlives_requests && !closed_) || !watchdog_armed_) return;
  const bool in_flight =
      std::ranges::any_of(live_, [](const connection* c) { return c->deadline != connection::no_deadline; });
  if (!in_flight) {
    watchdog_armed_ = false;
    watchdog_.cancel();
  }
}

void client_state::arm_watchdog(time_point at) {
  watchdog_armed_ = true;
  watchdog_.expires_at(at);  // cancels the pending wait, if any: its handler sees operation_aborted
  // The handler holds the pool: close_now() cancels the wait, so it never holds it for long.
  watchdog_.async_wait([self = shared_from_this()](const error_code& ec) { self->on_watchdog(ec); });
}

void client_state::on_watchdog(const error_code& ec) {
  const time_point now = std::chrono::steady_clock::now();
  // Disarmed; or replaced by another wait, before it fired (cancelled) or after (then the timer
  // is due later): the pending wait, if any, does the work.
  if (ec == asio::error::operation_aborted || watchdog_.expiry() > now) return;
  watchdog_armed_ = false;
  time_point next = connection::no_deadline;
  for (connection* c : live_) {
    if (c->deadline == connection::no_deadline) continue;
    if (c->deadline <= now) {
      c->deadline = connection::no_deadline;
      c->expire();
    } else {
      next = std::min(next, c->deadline);
    }
  }
  if (next != connection::no_deadline) arm_watchdog(next);
}

void client_state::drop_expired_idle() {
  const auto oldest = std::chrono::steady_clock::now() - options_.idle_timeout;
  const auto fresh = std::find_if(idle_.begin(), idle_.end(), [&](const auto& c) { return c->idle_since >= oldest; });
  slots_ -= static_cast<std::size_t>(fresh - idle_.begin());
  idle_.erase(idle_.begin(), fresh);
}

}  // namespace fast_cache::net
