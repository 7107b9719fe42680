// A Beast parser that writes a response straight into http_response, without an intermediate
// beast::http::fields (one allocation per header saved on every request).
#pragma once

#include "net/http_client.hpp"

#include <boost/beast/http/basic_parser.hpp>

namespace fast_cache::net {

class response_reader : public boost::beast::http::basic_parser<false> {
 public:
  /// Fills `res`, which must outlive the reader. A body over `body_limit` bytes fails the read
  /// with http::error::body_limit.
  response_reader(http_response& res, std::size_t body_limit);

 private:
  using error_code = boost::system::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override;
  void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
  void on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code&) override;
  void on_header_impl(error_code&) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code&) override;
  std::size_t on_body_impl(string_view body, error_code&) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override;
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override;
  void on_finish_impl(error_code&) override;

  http_response& res_;
};

}  // namespace fast_cache::net
