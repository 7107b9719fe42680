#include "tiered/invalidation_message.hpp"

#include <charconv>
#include <cstdint>
#include <random>

namespace fast_cache::detail::tiered {

namespace {

constexpr std::string_view magic = "fc1|";

std::string header(std::string_view sender, char kind) {
  std::string out(magic);
  out.append(sender).append(1, '|').append(1, kind);
  return out;
}

}  // namespace

std::string new_sender_id() {
  std::random_device device;
  const std::uint64_t id = (std::uint64_t{device()} << 32) | device();
  char text[17] = {};
  const auto end = std::to_chars(text, text + 16, id, 16).ptr;
  return std::string(16 - static_cast<std::size_t>(end - text), '0') + std::string(text, end);
}

std::string keys_message(std::string_view sender, std::span<const std::string> keys) {
  std::string out = header(sender, 'k');
  out += '|';
  for (const std::string& key : keys) out.append(std::to_string(key.size())).append(1, ':').append(key);
  return out;
}

std::string clear_message(std::string_view sender) { return header(sender, 'c'); }

std::optional<invalidation> parse_message(std::string_view message) {
  if (!message.starts_with(magic)) return std::nullopt;
  message.remove_prefix(magic.size());
  const std::size_t bar = message.find('|');
  if (bar == std::string_view::npos || bar == 0) return std::nullopt;
  invalidation out;
  out.sender = std::string(message.substr(0, bar));
  message.remove_prefix(bar + 1);
  if (message == "c") {
    out.clear = true;
    return out;
  }
  if (!message.starts_with("k|")) return std::nullopt;
  message.remove_prefix(2);
  while (!message.empty()) {
    std::size_t length = 0;
    const auto [end, ec] = std::from_chars(message.data(), message.data() + message.size(), length);
    if (ec != std::errc() || end == message.data() || end == message.data() + message.size() || *end != ':')
      return std::nullopt;
    message.remove_prefix(static_cast<std::size_t>(end - message.data()) + 1);
    if (length > message.size()) return std::nullopt;
    out.keys.emplace_back(message.substr(0, length));
    message.remove_prefix(length);
  }
  if (out.keys.empty()) return std::nullopt;
  return out;
}

reaction react(const std::optional<invalidation>& message, std::string_view self) {
  if (!message) return reaction::drop_all;
  if (message->sender == self) return reaction::ignore;
  return message->clear ? reaction::drop_all : reaction::drop_keys;
}

}  // namespace fast_cache::detail::tiered
