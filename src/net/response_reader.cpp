// response_reader: Beast's parser callbacks appending into http_response.
#include "net/response_reader.hpp"

namespace fast_cache::net {

response_reader::response_reader(http_response& res, std::size_t body_limit) : res_(res) {
  this->body_limit(body_limit);
  // AWS error responses and signed headers stay far below this; it bounds memory on garbage.
  this->header_limit(64 * 1024);
}

void response_reader::on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) {}

void response_reader::on_response_impl(int code, string_view, int, error_code&) {
  res_.status = static_cast<unsigned>(code);
  res_.clear_headers();
  res_.body.clear();
}

void response_reader::on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code&) {
  res_.add_header(name, value);
}

void response_reader::on_header_impl(error_code&) {}

void response_reader::on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code&) {
  // The parser has already checked content_length against body_limit.
  if (content_length) res_.body.reserve(static_cast<std::size_t>(*content_length));
}

std::size_t response_reader::on_body_impl(string_view body, error_code&) {
  res_.body.append(body.data(), body.size());
  return body.size();
}

void response_reader::on_chunk_header_impl(std::uint64_t, string_view, error_code&) {}

std::size_t response_reader::on_chunk_body_impl(std::uint64_t, string_view body, error_code&) {
  res_.body.append(body.data(), body.size());
  return body.size();
}

void response_reader::on_finish_impl(error_code&) {}

}  // namespace fast_cache::net
