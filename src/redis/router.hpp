// Which connection serves a key. Standalone: one server's few connections, in turn. Cluster: the
// connections of the master serving the key's slot, from a slot map read with CLUSTER SLOTS from
// the seed nodes or any known master, refreshed when a node answers MOVED or cannot be reached
// (after a failover, the promoted replica is found this way). Runs on the backend's io thread.
#pragma once

#include "redis/cluster.hpp"
#include "redis/connection.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace fast_cache::redis {

class router {
 public:
  using clock = std::chrono::steady_clock;

  /// A cluster when `seeds` is not empty; base gives every node's credentials and TLS.
  router(asio::io_context::executor_type ex, std::shared_ptr<const connection_settings> base,
         std::size_t connections_per_node, std::vector<node_address> seeds);

  [[nodiscard]] bool clustered() const noexcept { return !seeds_.empty(); }

  /// On a cluster, reads the slot map when it is stale, so that master_of answers.
  asio::awaitable<void> ready(clock::time_point deadline);
  /// The master serving `slot` (the server, standalone), as of the last ready(); nullptr when no
  /// master serves it (a slot being assigned), and the map is read again before the next use.
  const node_address* master_of(std::uint16_t slot);
  /// A connection to `node` (a redirect's target, a master to scan).
  std::shared_ptr<connection> for_node(const node_address& node);
  /// The masters of the cluster (the server, standalone).
  asio::awaitable<std::vector<node_address>> masters(clock::time_point deadline);

  /// A MOVED: the slot is served by redirect.to from now on; the map is read again before the
  /// next use, since a moved slot rarely moves alone.
  void moved(const redirect& r);
  /// A node could not be reached: read the map again before the next use.
  void invalidate() noexcept { stale_ = true; }

  void close();

 private:
  asio::awaitable<void> refresh(clock::time_point deadline);

  asio::io_context::executor_type ex_;
  std::shared_ptr<const connection_settings> base_;
  std::size_t per_node_;
  std::vector<node_address> seeds_;
  node_address server_;                                                    // standalone: the one server
  std::map<std::string, std::vector<std::shared_ptr<connection>>> nodes_;  // by "host:port"
  std::vector<node_address> slots_;     // the master of each slot; empty when unknown
  std::optional<node_address> latest_;  // the target of the last MOVED
  bool stale_ = true;
  bool closed_ = false;
  std::size_t turn_ = 0;
};

}  // namespace fast_cache::redis
