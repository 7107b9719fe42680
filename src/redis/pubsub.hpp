// Redis pub/sub's pure parts, for the invalidation channel of near caches (TieredBackend): the
// channel of a namespace, which replies of a subscribed connection are messages, and how long to
// wait before subscribing again.
#pragma once

#include "redis/reply.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace fast_cache::redis {

/// `fast_cache:invalidate:<db>:<namespace>`. Channels are global to a server (and to a whole
/// cluster), not per database, so the database is part of the name.
[[nodiscard]] std::string invalidation_channel(unsigned db, std::string_view ns);

/// Whether r is a message pushed to a subscriber (`message`, channel, payload), which answers no
/// request, rather than the reply to one (`subscribe`, `pong`, an error...).
[[nodiscard]] bool is_pushed_message(const reply& r) noexcept;
/// The payload of a pushed message on `channel`; nullopt for another channel or another reply.
[[nodiscard]] std::optional<std::string> message_payload(reply r, std::string_view channel);
/// Whether r confirms the subscription to `channel`.
[[nodiscard]] bool confirms_subscription(const reply& r, std::string_view channel) noexcept;

/// The wait before subscription attempt `failures` + 1: `first`, doubling, at most `most`.
[[nodiscard]] std::chrono::milliseconds resubscribe_delay(unsigned failures, std::chrono::milliseconds first,
                                                          std::chrono::milliseconds most) noexcept;

}  // namespace fast_cache::redis
