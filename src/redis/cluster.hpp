// Redis Cluster's pure parts: which slot a key lives in, the topology a node reports, and the
// redirections it answers with.
#pragma once

#include "redis/reply.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fast_cache::redis {

inline constexpr std::uint16_t slot_count = 16384;

/// The slot of key: CRC16 (XMODEM) of the key, or of its hash tag (the text between the first
/// '{' and the next '}', when not empty), modulo 16384.
[[nodiscard]] std::uint16_t key_slot(std::string_view key) noexcept;

struct node_address {
  std::string host;
  std::uint16_t port = 0;
  bool operator==(const node_address&) const = default;
  [[nodiscard]] std::string text() const { return host + ":" + std::to_string(port); }
};

/// "host:port" (IPv6 in brackets or bare: the port is after the last ':'); nullopt when malformed.
[[nodiscard]] std::optional<node_address> parse_node_address(std::string_view text);

/// A -MOVED or -ASK error reply: where the slot is served (for good, or for this one request).
struct redirect {
  bool ask = false;
  std::uint16_t slot = 0;
  node_address to;
};
[[nodiscard]] std::optional<redirect> parse_redirect(const reply& r);

/// One range of slots and the master serving it, from CLUSTER SLOTS.
struct slot_range {
  std::uint16_t first = 0;
  std::uint16_t last = 0;
  node_address master;
};

/// Parses a CLUSTER SLOTS reply. A master announced with an empty host is the node that was
/// asked (`asked`), as Redis reports it. Throws Error(errc::protocol) when the reply is not a
/// slot table.
[[nodiscard]] std::vector<slot_range> parse_cluster_slots(const reply& r, const node_address& asked);

/// The seed nodes, credentials and options of `redis+cluster://[[user]:password@]host:port,host:port[?...]`.
struct cluster_url {
  std::vector<node_address> seeds;
  std::string user;
  std::string password;
  std::string query;  ///< after '?', undecoded
};
/// Throws Error(errc::invalid_argument) naming the problem, never quoting the credentials.
[[nodiscard]] cluster_url parse_cluster_url(std::string_view url);

}  // namespace fast_cache::redis
