#include "response_head.hpp"

namespace fast_cache::beast::detail {

std::string response_head(const response& res) {
  const auto reason = res.reason();
  std::string head;
  // The status line and the fields a cached hit carries fit without a reallocation.
  head.reserve(256);
  // As Beast writes it: the request's version, one digit each side (its parser reads no more).
  head += "HTTP/";
  head += static_cast<char>('0' + res.version() / 10 % 10);
  head += '.';
  head += static_cast<char>('0' + res.version() % 10);
  head += ' ';
  // Three digits, as Beast writes them (it keeps a status in 0..999).
  const unsigned status = res.result_int();
  head += static_cast<char>('0' + status / 100);
  head += static_cast<char>('0' + status / 10 % 10);
  head += static_cast<char>('0' + status % 10);
  head += ' ';
  head.append(reason.data(), reason.size());
  head += "\r\n";
  for (const auto& field : res) {
    const auto name = field.name_string();
    const auto value = field.value();
    head.append(name.data(), name.size());
    head += ": ";
    head.append(value.data(), value.size());
    head += "\r\n";
  }
  head += "\r\n";
  return head;
}

}  // namespace fast_cache::beast::detail
