#include "redis/router.hpp"

#include "redis/commands.hpp"

#include <fast_cache/error.hpp>

#include <algorithm>

namespace fast_cache::redis {

namespace {

// Built outside the coroutines: g++ 12 miscompiles braced lists in them.
std::string cluster_slots_command() {
  std::string out;
  append_command(out, {"CLUSTER", "SLOTS"});
  return out;
}

std::vector<node_address> only(const node_address& node) { return std::vector<node_address>(1, node); }

}  // namespace

router::router(asio::io_context::executor_type ex, std::shared_ptr<const connection_settings> base,
               std::size_t connections_per_node, std::vector<node_address> seeds)
    : ex_(ex),
      base_(std::move(base)),
      per_node_(connections_per_node),
      seeds_(std::move(seeds)),
      server_{base_->host, base_->port} {
  if (clustered()) slots_.resize(slot_count);
}

std::shared_ptr<connection> router::for_node(const node_address& node) {
  if (closed_) throw Error(errc::closed, "Redis backend is closed");
  auto& pool = nodes_[node.text()];
  if (pool.empty()) {
    auto settings = std::make_shared<connection_settings>(*base_);
    settings->host = node.host;
    settings->port = node.port;
    for (std::size_t i = 0; i < per_node_; ++i) pool.push_back(std::make_shared<connection>(ex_, settings));
  }
  return pool[turn_++ % pool.size()];
}

asio::awaitable<void> router::ready(clock::time_point deadline) {
  if (clustered() && stale_) co_await refresh(deadline);
}

const node_address* router::master_of(std::uint16_t slot) {
  if (!clustered()) return &server_;
  if (slots_[slot].host.empty()) {
    stale_ = true;
    return nullptr;
  }
  return &slots_[slot];
}

asio::awaitable<std::vector<node_address>> router::masters(clock::time_point deadline) {
  if (!clustered()) co_return only(server_);
  co_await refresh(deadline);
  std::vector<node_address> out;
  for (const node_address& n : slots_) {
    if (!n.host.empty() && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  }
  co_return out;
}

void router::moved(const redirect& r) {
  if (!clustered()) return;
  slots_[r.slot] = r.to;
  latest_ = r.to;
  stale_ = true;
}

// Asks the node that last redirected (it knows the newest layout: a seed may not have heard of
// a slot's move yet, and its table would send calls back to the old owner), then the seeds, then
// every master known, until one answers with the slot table.
asio::awaitable<void> router::refresh(clock::time_point deadline) {
  std::vector<node_address> candidates;
  if (latest_) candidates.push_back(*latest_);
  for (const node_address& n : seeds_) {
    if (std::find(candidates.begin(), candidates.end(), n) == candidates.end()) candidates.push_back(n);
  }
  for (const node_address& n : slots_) {
    if (!n.host.empty() && std::find(candidates.begin(), candidates.end(), n) == candidates.end())
      candidates.push_back(n);
  }
  std::string last_error = "no node to ask";
  const std::string command = cluster_slots_command();
  for (const node_address& node : candidates) {
    try {
      const std::vector<reply> replies = co_await for_node(node)->exchange(command, 1, deadline);
      throw_if_error(replies.front(), "Redis at " + node.text());
      std::vector<node_address> table(slot_count);
      for (const slot_range& range : parse_cluster_slots(replies.front(), node)) {
        for (unsigned s = range.first; s <= range.last; ++s) table[s] = range.master;
      }
      slots_ = std::move(table);
      stale_ = false;
      co_return;
    } catch (const Error& e) {
      if (e.code() == errc::timeout) throw;  // the budget is spent: no other node can answer in time
      last_error = e.what();
    }
  }
  throw Error(errc::unavailable, "Redis Cluster: no node answered CLUSTER SLOTS; last: " + last_error);
}

void router::close() {
  closed_ = true;
  for (auto& [name, pool] : nodes_) {
    for (const auto& c : pool) c->close();
  }
}

}  // namespace fast_cache::redis
