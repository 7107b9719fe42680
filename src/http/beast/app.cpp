#include <fast_cache/beast/app.hpp>

#include "core/nothrow_awaitable.hpp"
#include "response_head.hpp"

#include <array>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <csignal>
#include <mutex>
#include <thread>
#include <unordered_set>

namespace fast_cache::beast {

namespace {

using fast_cache::detail::nothrow_awaitable;

response unprocessable(const parameter_error& e) {
  boost::json::object item{{"loc", boost::json::array{e.location(), e.name()}}, {"msg", e.what()}, {"type", e.type()}};
  return json_response(boost::json::object{{"detail", boost::json::array{std::move(item)}}},
                       http::status::unprocessable_entity);
}

// The status to answer a failed read with, or unknown to just close (the peer left or timed out).
http::status read_error_status(const boost::system::error_code& ec) {
  if (ec == http::error::body_limit) return http::status::payload_too_large;
  if (ec == http::error::header_limit) return http::status::request_header_fields_too_large;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return http::status::unknown;
  if (ec.category() == http::make_error_code(http::error::bad_target).category()) return http::status::bad_request;
  return http::status::unknown;
}

// Whether the request's body length is unambiguous (RFC 9112 §6.1, §6.3), checked once its header
// is read and before its body is: `ok`, or the status to answer before closing the connection.
// Beast takes a Transfer-Encoding whose final coding is not chunked as "no body", which would
// parse the body as further requests (request smuggling); the 400 and the close prevent that.
http::status framing_status(const http::request_parser<http::string_body>& parser) {
  const auto& req = parser.get();
  const auto fields = req.equal_range(http::field::transfer_encoding);
  if (fields.first == fields.second) return http::status::ok;  // Content-Length, or no body
  // HTTP/1.0 has no Transfer-Encoding: its framing is faulty; with Content-Length it is ambiguous.
  if (req.version() < 11 || req.count(http::field::content_length) > 0) return http::status::bad_request;
  // Every Transfer-Encoding field together forms one list of codings.
  std::size_t chunked = 0;
  std::size_t others = 0;
  bool last_chunked = false;
  for (auto it = fields.first; it != fields.second; ++it) {
    std::string_view rest = it->value();
    while (!rest.empty()) {
      const std::size_t comma = std::min(rest.find(','), rest.size());
      std::string_view coding = rest.substr(0, comma);
      rest.remove_prefix(std::min(comma + 1, rest.size()));
      while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t')) coding.remove_prefix(1);
      while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t')) coding.remove_suffix(1);
      if (coding.empty()) continue;  // empty list elements are allowed and mean nothing
      last_chunked = boost::beast::iequals(coding, "chunked");
      ++(last_chunked ? chunked : others);
    }
  }
  // Only `chunked` once and last delimits the body; Beast must agree before it reads one.
  if (!last_chunked || chunked != 1 || !parser.chunked()) return http::status::bad_request;
  // A coding under chunked (e.g. gzip, chunked): framed, but not one this server decodes.
  if (others > 0) return http::status::not_implemented;
  return http::status::ok;
}

std::array<asio::const_buffer, 2> head_and_body(const std::string& head, const response& res) {
  return {asio::buffer(head), asio::buffer(res.body())};
}

// Writes a prepared response (Content-Length set): its head and its body in one call.
asio::awaitable<boost::system::error_code> write_response(asio::ip::tcp::socket& socket, const response& res) {
  const std::string head = detail::response_head(res);
  const std::array<asio::const_buffer, 2> buffers = head_and_body(head, res);
  auto [ec, written] = co_await asio::async_write(socket, buffers, nothrow_awaitable);
  co_return ec;
}

bool may_have_body(http::status status) {
  return http::to_status_class(status) != http::status_class::informational && status != http::status::no_content &&
         status != http::status::not_modified;
}

}  // namespace

// A connection's socket and the one deadline its reads and writes share. Moving the deadline is
// a store: beast::tcp_stream's timeout per operation cancels and re-arms a timer instead, each
// with a timerfd_settime system call, about a fifth of /plain's instructions. A watchdog timer
// (watch) closes the socket once the deadline passes. Touched only on the connection's executor
// (its strand, or the one thread that runs the app).
struct app::connection {
  using clock = std::chrono::steady_clock;

  explicit connection(asio::ip::tcp::socket s) : socket(std::move(s)), watchdog(socket.get_executor()) {}

  void expires_after(clock::duration timeout) { expires_at(clock::now() + timeout); }
  // No deadline: while the handler runs, as with beast::tcp_stream, whose timeouts cover I/O only.
  void expires_never() { expires_at(clock::time_point::max()); }
  void expires_at(clock::time_point when) {
    deadline = when;
    // Rare: the watchdog, armed later than this, would close the socket late. Cancelled, it
    // re-arms at the new deadline.
    if (when < armed_at) watchdog.cancel();
  }
  void close() {
    boost::system::error_code ignored;
    socket.close(ignored);
    watchdog.cancel();
  }

  asio::ip::tcp::socket socket;
  asio::steady_timer watchdog;
  clock::time_point deadline = clock::time_point::max();
  clock::time_point armed_at = clock::time_point::max();
  // Whether a request is being answered.
  bool busy = false;
};

struct app::shared_state {
  explicit shared_state(const asio::any_io_executor& accept_executor) : accept_timer(accept_executor) {}
  std::mutex mutex;
  std::unordered_set<std::shared_ptr<connection>> connections;
  std::unique_ptr<asio::signal_set> signals;
  // On the acceptor's strand: the accept loop waits on it after an accept error.
  asio::steady_timer accept_timer;
  // Connections being refused (beyond max_connections) right now.
  std::atomic<std::size_t> refusing{0};
};

app::app(app_options options)
    : options_(options),
      cache_(&fast_cache::cache),
      // On a strand: the accept loop and stop()'s close run on the io_context's threads, and an
      // acceptor, like every Asio object, must not be used from two of them at once.
      acceptor_(asio::make_strand(context_)),
      shared_(std::make_unique<shared_state>(acceptor_.get_executor())) {}

app::~app() = default;

void app::on_shutdown(std::function<void()> hook) { shutdown_hooks_.push_back(std::move(hook)); }

asio::ip::tcp::endpoint app::listen(std::string_view host, std::uint16_t port) {
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(std::string(host)), port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  return acceptor_.local_endpoint();
}

void app::run(std::size_t threads) {
  one_thread_ = threads <= 1;
  {
    std::lock_guard lock(shared_->mutex);
    shared_->signals = std::make_unique<asio::signal_set>(context_, SIGINT, SIGTERM);
    shared_->signals->async_wait([this](boost::system::error_code ec, int) {
      if (!ec) stop();
    });
  }
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < threads; ++i) pool.emplace_back([this] { context_.run(); });
  context_.run();
  for (auto& t : pool) t.join();
  // Every connection has finished: only now may the backend go away.
  for (auto it = shutdown_hooks_.rbegin(); it != shutdown_hooks_.rend(); ++it) (*it)();
}

void app::stop() {
  if (stopping_.exchange(true)) return;
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    shared_->accept_timer.cancel();
    std::lock_guard lock(shared_->mutex);
    if (shared_->signals) shared_->signals->cancel();
  });
  close_idle_connections();
}

void app::close_idle_connections() {
  std::lock_guard lock(shared_->mutex);
  for (const auto& conn : shared_->connections) {
    // On the connection's executor, so the check of `busy` and the close cannot interleave with it.
    asio::post(conn->socket.get_executor(), [conn] {
      if (!conn->busy) conn->close();
    });
  }
}

// Closes the connection's socket once its deadline has passed. It wakes only when its timer
// fires (at the deadline it was armed with, or when cancelled for an earlier one) and re-arms at
// the deadline of the moment; it ends once the socket is closed.
void app::watch(std::shared_ptr<connection> conn) {
  connection& c = *conn;
  c.armed_at = c.deadline;
  c.watchdog.expires_at(c.deadline);
  c.watchdog.async_wait([conn = std::move(conn)](boost::system::error_code) mutable {
    if (!conn->socket.is_open()) return;
    if (connection::clock::now() >= conn->deadline) {
      conn->close();  // the pending read or write fails with operation_aborted
      return;
    }
    watch(std::move(conn));
  });
}

namespace {

// Closing a socket with unread input makes the kernel send a reset, which can destroy the error
// response still on its way to the client (a lingering close, as HTTP servers do): read and
// discard what the client is still sending, for a short while, before closing.
template <class Connection>
asio::awaitable<void> drain(Connection& conn) {
  constexpr std::size_t budget = 4 * 1024 * 1024;
  std::array<char, 16 * 1024> discard;
  conn.expires_after(std::chrono::milliseconds(500));
  for (std::size_t total = 0; total < budget;) {
    auto [ec, n] = co_await conn.socket.async_read_some(asio::buffer(discard), nothrow_awaitable);
    if (ec) break;
    total += n;
  }
}

// After an accept error (out of descriptors or memory: EMFILE, ENFILE, ENOBUFS, ENOMEM), the
// pending connections wait in the listen backlog; retrying at once would spin on the same error.
constexpr std::chrono::milliseconds accept_backoff_min(10);
constexpr std::chrono::milliseconds accept_backoff_max(1000);
// A connection beyond max_connections gets this long for its 503 to be written.
constexpr std::chrono::seconds refusal_timeout(1);
// Connections refused at once, each holding a descriptor for up to a refusal_timeout and a drain;
// beyond it, more are closed without a response.
constexpr std::size_t max_refusing = 64;

}  // namespace

asio::awaitable<void> app::accept_loop() {
  std::chrono::milliseconds backoff = accept_backoff_min;
  while (!stopping_) {
    const asio::any_io_executor connection_executor = one_thread_ ? asio::any_io_executor(context_.get_executor())
                                                                  : asio::any_io_executor(asio::make_strand(context_));
    auto [ec, socket] = co_await acceptor_.async_accept(connection_executor, nothrow_awaitable);
    if (ec) {
      if (stopping_ || !acceptor_.is_open()) break;
      // stop() cancels the wait (on this strand, so it cannot slip in between the check and it).
      shared_->accept_timer.expires_after(backoff);
      co_await shared_->accept_timer.async_wait(nothrow_awaitable);  // woken early by stop()
      backoff = std::min(backoff * 2, accept_backoff_max);
      continue;
    }
    backoff = accept_backoff_min;
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    auto conn = std::make_shared<connection>(std::move(socket));
    bool admitted = false;
    {
      std::lock_guard lock(shared_->mutex);
      if (shared_->connections.size() < options_.max_connections) {
        shared_->connections.insert(conn);
        admitted = true;
      }
    }
    auto executor = conn->socket.get_executor();
    if (admitted) {
      asio::co_spawn(executor, serve(std::move(conn)), asio::detached);
    } else if (shared_->refusing < max_refusing) {
      ++shared_->refusing;
      asio::co_spawn(executor, refuse(std::move(conn)), asio::detached);
    }  // else: conn, the last owner, closes the socket
  }
}

asio::awaitable<void> app::refuse(std::shared_ptr<connection> conn) {
  try {
    response res = error_response(http::status::service_unavailable, "Service Unavailable");
    res.set(http::field::retry_after, "1");
    res.keep_alive(false);
    res.prepare_payload();
    conn->expires_after(refusal_timeout);
    watch(conn);
    const boost::system::error_code ec = co_await write_response(conn->socket, res);
    if (!ec) {
      // The client may have sent its request already: a lingering close, as for other errors.
      boost::system::error_code ignored;
      conn->socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      co_await drain(*conn);
    }
  } catch (...) {
    // Out of memory: closed below all the same, which ends the watchdog's wait.
  }
  conn->close();
  --shared_->refusing;
}

asio::awaitable<void> app::serve(std::shared_ptr<connection> conn) {
  // One buffer per connection, reused across requests; pipelined bytes stay in it for the next read.
  boost::beast::flat_buffer buffer;
  bool unread_input = false;  // an error was answered before the request was read whole
  conn->expires_after(options_.header_timeout);
  watch(conn);
  // An exception out of these steps (allocation; the handler answers its own failures with a
  // 500) ends the connection as an error does: closed, which ends the watchdog's wait, so that
  // run() can return, and forgotten.
  try {
    while (!stopping_) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(options_.header_limit);
      parser.body_limit(options_.body_limit);
      // The header first, under its own deadline (slowloris, keep-alive idle); its framing checked
      // before any of the body is read; then the body.
      conn->expires_after(options_.header_timeout);
      auto [header_ec, header_bytes] =
          co_await http::async_read_header(conn->socket, buffer, parser, nothrow_awaitable);
      boost::system::error_code ec = header_ec;
      // Answer what a client can fix; drop connections that closed or timed out.
      http::status status = ec ? read_error_status(ec) : framing_status(parser);
      if (!ec && status == http::status::ok && !parser.is_done()) {
        conn->expires_after(options_.read_timeout);
        auto [body_ec, body_bytes] = co_await http::async_read(conn->socket, buffer, parser, nothrow_awaitable);
        ec = body_ec;
        if (ec) status = read_error_status(ec);
      }
      if (status != http::status::ok) {
        if (status != http::status::unknown) {
          response res = error_response(status, http::obsolete_reason(status));
          res.keep_alive(false);
          res.prepare_payload();
          conn->expires_after(options_.write_timeout);
          co_await write_response(conn->socket, res);
          unread_input = true;
        }
        break;
      }
      conn->busy = true;
      conn->expires_never();
      request req(parser.release(), *cache_);
      response res = co_await handle(req);
      const bool head = req.method() == http::verb::head;
      res.version(req.msg().version());
      res.keep_alive(req.msg().keep_alive() && !stopping_);
      if (!may_have_body(res.result())) res.body().clear();
      res.prepare_payload();
      if (head) res.body().clear();  // Content-Length stays that of the GET response
      conn->expires_after(options_.write_timeout);
      const boost::system::error_code write_ec = co_await write_response(conn->socket, res);
      conn->busy = false;
      if (write_ec || !res.keep_alive()) break;
    }
  } catch (...) {
    unread_input = false;  // no lingering close for a connection in an unknown state
  }
  boost::system::error_code ignored;
  conn->socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  if (unread_input) co_await drain(*conn);
  conn->close();
  std::lock_guard lock(shared_->mutex);
  shared_->connections.erase(conn);
}

asio::awaitable<response> app::handle(request& req) const {
  router::result found = router_.find(req.method(), req.path());
  if (found.target == nullptr) {
    if (!found.path_found) co_return error_response(http::status::not_found, "Not Found");
    response res = error_response(http::status::method_not_allowed, "Method Not Allowed");
    res.set(http::field::allow, found.allow);
    co_return res;
  }
  if (!found.params.empty()) req.set_path_params(found.params);
  try {
    co_return co_await (*found.target)(req);
  } catch (const parameter_error& e) {
    co_return unprocessable(e);
  } catch (...) {
    co_return error_response(http::status::internal_server_error, "Internal Server Error");
  }
}

void fast_cache_init_app(app& application, Cache& cache) {
  application.attach(cache);
  application.on_shutdown([&cache] { cache.close(); });
}

}  // namespace fast_cache::beast
