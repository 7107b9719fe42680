// test_server: accept loop and sessions as coroutines on one io thread.
#include "unit/net/test_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <chrono>
#include <future>
#include <string>

namespace fast_cache::net::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

std::size_t query_size(std::string_view target) {
  const auto pos = target.find("n=");
  return pos == std::string_view::npos ? 0 : std::stoul(std::string(target.substr(pos + 2)));
}

// Answers one request; returns false when the connection must close.
template <class Stream>
asio::awaitable<bool> respond(Stream& stream, const http::request<http::string_body>& req) {
  const std::string_view target = req.target();
  const auto path = target.substr(0, target.find('?'));
  if (path == "/hang") {
    asio::steady_timer forever(stream.get_executor(), asio::steady_timer::time_point::max());
    co_await forever.async_wait(nothrow);
    co_return false;
  }
  if (path == "/garbage") {
    co_await asio::async_write(stream, asio::buffer(std::string_view("this is not http at all\r\n\r\n")), nothrow);
    co_return false;
  }
  if (path == "/truncated") {
    co_await asio::async_write(
        stream, asio::buffer(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort")), nothrow);
    co_return false;
  }
  if (path == "/slow") {
    asio::steady_timer delay(stream.get_executor(), std::chrono::milliseconds(20));
    co_await delay.async_wait(nothrow);
  }

  http::response<http::string_body> res(http::status::ok, 11);
  if (path == "/echo") {
    res.set("X-Echo-Method", std::string(req.method_string()));
    res.set("X-Echo-Host", std::string(req[http::field::host]));
    res.body() = req.body();
  } else if (path == "/big") {
    res.body().assign(query_size(target), 'x');
  }
  res.keep_alive(req.keep_alive() && path != "/close");
  res.prepare_payload();
  auto [ec, n] = co_await http::async_write(stream, res, nothrow);
  co_return !ec && res.keep_alive();
}

}  // namespace

struct test_server::session {
  test_server* server;
  beast::tcp_stream* tcp = nullptr;
  bool idle = false;
};

namespace {

template <class Stream>
asio::awaitable<void> serve(test_server::session& s, Stream& stream) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    s.idle = true;
    auto [ec, n] = co_await http::async_read(stream, buffer, req, nothrow);
    s.idle = false;
    if (ec || !co_await respond(stream, req)) break;
  }
}

asio::awaitable<void> run_session(test_server* server, tcp::socket socket, asio::ssl::context* tls) {
  test_server::session s{server};
  beast::tcp_stream tcp(std::move(socket));
  s.tcp = &tcp;
  server->opened(&s);
  if (tls) {
    beast::ssl_stream<beast::tcp_stream&> stream(tcp, *tls);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, nothrow);
    if (!ec) co_await serve(s, stream);
  } else {
    co_await serve(s, tcp);
  }
  server->closed(&s);
}

asio::awaitable<void> accept_loop(test_server* server, tcp::acceptor acceptor, asio::ssl::context* tls) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(nothrow);
    if (ec) co_return;
    asio::co_spawn(acceptor.get_executor(), run_session(server, std::move(socket), tls), asio::detached);
  }
}

}  // namespace

test_server::test_server(asio::ssl::context* tls) : tls_(tls) {
  tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  port_ = acceptor.local_endpoint().port();
  asio::co_spawn(io_, accept_loop(this, std::move(acceptor), tls_), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

test_server::~test_server() {
  io_.stop();
  thread_.join();
}

void test_server::opened(session* s) {
  sessions_.insert(s);
  ++accepted_;
  peak_open_ = std::max(peak_open_.load(), sessions_.size());
}

void test_server::closed(session* s) { sessions_.erase(s); }

void test_server::close_idle_connections() {
  // A response can reach the client before its session is back to reading: wait for that moment.
  for (;;) {
    std::promise<bool> closed;
    asio::post(io_, [this, &closed] {
      const bool all_idle = std::ranges::all_of(sessions_, [](const session* s) { return s->idle; });
      if (all_idle) {
        for (auto* s : sessions_) s->tcp->close();
      }
      closed.set_value(all_idle);
    });
    if (closed.get_future().get()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace fast_cache::net::test
