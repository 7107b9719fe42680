// A blocking HTTP/1.1 keep-alive client for the end-to-end tests.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace e2e {

namespace http = boost::beast::http;
using response = http::response<http::string_body>;

/// One connection to 127.0.0.1:port, reused for every request (keep-alive). Reads time out
/// after 10 s so a hung server fails a test instead of blocking it.
class http_client {
 public:
  explicit http_client(std::uint16_t port);

  using headers = std::vector<std::pair<std::string, std::string>>;
  response request(http::verb method, const std::string& target, const headers& extra = {}, std::string body = {});
  response get(const std::string& target, const headers& extra = {}) { return request(http::verb::get, target, extra); }
  response post(const std::string& target, std::string body, const headers& extra = {}) {
    return request(http::verb::post, target, extra, std::move(body));
  }

  /// Writes raw bytes, then reads `count` responses: for pipelining and malformed input.
  std::vector<response> raw(const std::string& bytes, std::size_t count);

 private:
  response read_one(bool head);

  boost::asio::io_context context_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

/// The response body parsed as JSON.
boost::json::value json_of(const response& res);

/// A header's value, empty when absent.
std::string header(const response& res, std::string_view name);

}  // namespace e2e
