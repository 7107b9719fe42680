#include "redis/pubsub.hpp"

#include <algorithm>

namespace fast_cache::redis {

std::string invalidation_channel(unsigned db, std::string_view ns) {
  return "fast_cache:invalidate:" + std::to_string(db) + ":" + std::string(ns);
}

bool is_pushed_message(const reply& r) noexcept {
  return r.type == reply::kind::array && r.elements.size() == 3 && r.elements[0].text == "message";
}

std::optional<std::string> message_payload(reply r, std::string_view channel) {
  if (!is_pushed_message(r) || r.elements[1].text != channel) return std::nullopt;
  return std::move(r.elements[2].text);
}

bool confirms_subscription(const reply& r, std::string_view channel) noexcept {
  return r.type == reply::kind::array && r.elements.size() == 3 && r.elements[0].text == "subscribe" &&
         r.elements[1].text == channel;
}

std::chrono::milliseconds resubscribe_delay(unsigned failures, std::chrono::milliseconds first,
                                            std::chrono::milliseconds most) noexcept {
  const unsigned doublings = std::min(failures, 20u);
  return std::min(most, first * (std::int64_t{1} << doublings));
}

}  // namespace fast_cache::redis
