#include "http_client.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

namespace e2e {

http_client::http_client(std::uint16_t port) : socket_(context_) {
  socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  const timeval timeout{10, 0};
  ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
}

response http_client::request(http::verb method, const std::string& target, const headers& extra, std::string body) {
  http::request<http::string_body> req(method, target, 11, std::move(body));
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : extra) req.set(name, value);
  req.prepare_payload();
  http::write(socket_, req);
  return read_one(method == http::verb::head);
}

std::vector<response> http_client::raw(const std::string& bytes, std::size_t count) {
  boost::asio::write(socket_, boost::asio::buffer(bytes));
  std::vector<response> out;
  for (std::size_t i = 0; i < count; ++i) out.push_back(read_one(false));
  return out;
}

response http_client::read_one(bool head) {
  http::response_parser<http::string_body> parser;
  parser.skip(head);  // a response to HEAD announces a body it does not send
  parser.body_limit(16 * 1024 * 1024);
  http::read(socket_, buffer_, parser);
  return parser.release();
}

boost::json::value json_of(const response& res) { return boost::json::parse(res.body()); }

std::string header(const response& res, std::string_view name) {
  const auto it = res.find(boost::beast::string_view(name.data(), name.size()));
  return it == res.end() ? std::string() : std::string(it->value());
}

}  // namespace e2e
