// An in-process HTTP/1.1 server answering each request with whatever a test's function returns:
// for failures DynamoDB Local cannot produce (5xx, throttling, corrupt bodies, echoed secrets).
#pragma once

#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <sys/socket.h>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fast_cache::test {

struct scripted_response {
  unsigned status = 200;
  std::string body = "{}";
  std::string extra_headers;  ///< "Name: value\r\n" lines
};

/// Serves each connection on a thread of its own, keep-alive (the backend's I/O thread and every
/// thread using the sync API hold connections of their own); `respond` gets the raw request head
/// and body, one call at a time.
class scripted_server {
 public:
  using responder = std::function<scripted_response(const std::string& head, const std::string& body)>;

  explicit scripted_server(responder respond)
      : respond_(std::move(respond)), acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { accept_all(); });
  }
  ~scripted_server() {
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    thread_.join();
    // The sockets stay open until here, so their descriptors cannot have been reused.
    for (auto& s : sockets_) ::shutdown(s->native_handle(), SHUT_RDWR);
    for (auto& t : connections_) t.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

 private:
  void accept_all() {
    boost::system::error_code ec;
    for (;;) {
      auto s = std::make_unique<boost::asio::ip::tcp::socket>(ioc_);
      acceptor_.accept(*s, ec);
      if (ec) return;
      connections_.emplace_back([this, socket = s.get()] { serve(*socket); });
      sockets_.push_back(std::move(s));
    }
  }

  void serve(boost::asio::ip::tcp::socket& s) {
    namespace asio = boost::asio;
    boost::system::error_code ec;
    asio::streambuf buf;
    for (;;) {
      const std::size_t n = asio::read_until(s, buf, "\r\n\r\n", ec);
      if (ec) break;
      const std::string head(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + n);
      buf.consume(n);
      std::size_t length = 0;
      for (std::string_view h : {"Content-Length: ", "content-length: "})
        if (auto p = head.find(h); p != std::string::npos) length = std::stoul(head.substr(p + h.size()));
      if (buf.size() < length) asio::read(s, buf, asio::transfer_exactly(length - buf.size()), ec);
      if (ec) break;
      const std::string body(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + length);
      buf.consume(length);
      scripted_response r;
      {
        const std::lock_guard lock(respond_mutex_);
        r = respond_(head, body);
      }
      const std::string out = "HTTP/1.1 " + std::to_string(r.status) +
                              " X\r\nContent-Type: application/x-amz-json-1.0\r\n" + r.extra_headers +
                              "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body;
      asio::write(s, asio::buffer(out), ec);
      if (ec) break;
    }
  }

  responder respond_;
  std::mutex respond_mutex_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;  // accepts
  std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> sockets_;
  std::vector<std::thread> connections_;
};

/// The X-Amz-Target operation of a request head, e.g. "GetItem".
inline std::string operation_of(const std::string& head) {
  for (std::string_view h : {"X-Amz-Target: DynamoDB_20120810.", "x-amz-target: DynamoDB_20120810."})
    if (auto p = head.find(h); p != std::string::npos)
      return head.substr(p + h.size(), head.find('\r', p) - p - h.size());
  return {};
}

/// A DescribeTable answer for a table of the cache layout.
inline scripted_response active_cache_table() {
  return {200, R"({"Table":{"TableStatus":"ACTIVE","AttributeDefinitions":[{"AttributeName":"cache_key",)"
               R"("AttributeType":"S"}],"KeySchema":[{"AttributeName":"cache_key","KeyType":"HASH"}]}})"};
}

}  // namespace fast_cache::test
