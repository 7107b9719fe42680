#include "dynamodb/thread_lanes.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <unordered_map>

namespace fast_cache::dynamodb {
namespace asio = boost::asio;
namespace {

std::atomic<std::uint64_t> next_registry_id{1};

// Closes a busy lane's client from inside its own run(), on the owning thread. Holds a plain
// pointer: it is queued in the lane's own io_context, which cannot outlive the lane.
struct close_lane {
  thread_lane* lane;
  void operator()() const {
    if (lane->api) lane->api->close();
  }
};

}  // namespace

thread_lane::thread_lane(const resolved_config& config, const net::client_options& http, retry_policy retry) {
  // One call at a time per thread: one connection is all it can use.
  net::client_options one = http;
  one.max_connections = 1;
  api.emplace(ioc.get_executor(), config, one, retry);
}

lane_registry::lane_registry(resolved_config config, net::client_options http, retry_policy retry)
    : id_(next_registry_id++), config_(std::move(config)), http_(std::move(http)), retry_(retry) {}

std::shared_ptr<thread_lane> lane_registry::for_this_thread() {
  thread_local std::unordered_map<std::uint64_t, std::shared_ptr<thread_lane>> mine;
  if (const auto it = mine.find(id_); it != mine.end()) return it->second;
  std::erase_if(mine, [](const auto& entry) { return entry.second->retired.load(); });  // closed backends
  auto lane = std::make_shared<thread_lane>(config_, http_, retry_);
  {
    std::lock_guard lock(mutex_);
    if (closed_) return nullptr;
    std::erase_if(lanes_, [](const auto& weak) { return weak.expired(); });  // threads that ended
    lanes_.push_back(lane);
  }
  mine.emplace(id_, lane);
  return lane;
}

void lane_registry::close_all() {
  std::vector<std::weak_ptr<thread_lane>> lanes;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    lanes.swap(lanes_);
  }
  for (const auto& weak : lanes) {
    const auto lane = weak.lock();
    if (!lane) continue;
    lane->retired = true;
    asio::post(lane->ioc, close_lane{lane.get()});  // ends a call in progress on that lane promptly
    const std::lock_guard idle(lane->busy);         // waits for it to unwind
    lane->api.reset();
    // The pool closes its connections on its strand: run that here, the owner may never run it again.
    lane->ioc.restart();
    lane->ioc.poll();
  }
}

}  // namespace fast_cache::dynamodb
