// The shared state behind an http_client: the connection pool, the address cache and the TLS
// context. Everything but close() runs on one strand, so the pool needs no locks.
#pragma once

#include "net/connection.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <deque>
#include <memory>
#include <optional>

namespace fast_cache::net {

class client_state : public std::enable_shared_from_this<client_state> {
 public:
  /// Throws Error(errc::invalid_argument) when the CA file cannot be loaded.
  client_state(serial_executor strand, endpoint ep, client_options opts);

  /// Where the pool works, and where handlers without an executor of their own run.
  const serial_executor& strand() const noexcept { return strand_; }

  /// Runs one request on the strand: take a connection, exchange, retry once on a stale one,
  /// return the connection to the pool; every step ends by req.deadline. A cancelled request
  /// (the coroutine's cancellation state) ends with operation_aborted at its next step; the
  /// coroutine must not throw on cancellation (this_coro::throw_if_cancelled(false)). Exceptions
  /// of the steps (allocation, a refused request) end it with an error code too.
  boost::asio::awaitable<boost::system::error_code> perform(http_request& req, http_response& res);

  /// Callable from any thread; the work happens on the strand.
  void close();

 private:
  // A request waiting for a connection; woken by release() (with a connection or a free slot) or close().
  struct waiter {
    boost::asio::steady_timer wakeup;
    std::unique_ptr<connection> conn;
    bool granted = false;
  };
  // A connection checked out of the pool; conn is null when the slot still has to be connected.
  struct lease {
    boost::system::error_code ec;
    std::unique_ptr<connection> conn;
    bool reused = false;
  };

  using time_point = std::chrono::steady_clock::time_point;

  // A connection or slot when one is free (or the failure when closed): no coroutine frame on the
  // common path. nullopt when the pool is full: then wait_for_connection.
  std::optional<lease> try_acquire();
  boost::asio::awaitable<lease> wait_for_connection(time_point deadline);
  boost::asio::awaitable<boost::system::error_code> open(std::unique_ptr<connection>& conn, time_point deadline);
  boost::asio::awaitable<boost::system::error_code> resolve(time_point deadline);
  void release(std::unique_ptr<connection> conn, bool reusable);
  void drop_expired_idle();
  void close_now();
  // The watchdog: one timer for the pool, armed for the earliest deadline of an exchange in
  // flight, never earlier. Exchanges in a row with the same timeout only move their deadlines
  // later, so it is set again about once per request_timeout instead of once per request.
  void watch(connection& conn, time_point deadline);
  void unwatch(connection& conn);
  void disarm_if_idle();
  void arm_watchdog(time_point at);
  void on_watchdog(const boost::system::error_code& ec);

  serial_executor strand_;
  endpoint endpoint_;
  std::string host_header_;
  client_options options_;
  std::optional<boost::asio::ssl::context> tls_;
  std::atomic<bool> closed_{false};

  // Strand-only state.
  std::optional<boost::asio::ip::tcp::resolver::results_type> addresses_;  // cached until a connect fails
  std::vector<connection*> live_;                  // every connection, idle or busy, for close()
  std::vector<std::unique_ptr<connection>> idle_;  // oldest first; taken from the back (warmest)
  std::deque<waiter*> waiters_;                    // FIFO
  std::size_t slots_ = 0;                          // connections open, opening or granted to a waiter
  boost::asio::steady_timer watchdog_;
  bool watchdog_armed_ = false;  // a wait is pending, due at watchdog_.expiry()
};

}  // namespace fast_cache::net
