#include "dynamodb/lanes.hpp"

#include <boost/asio/execution_context.hpp>
#include <boost/asio/post.hpp>

#include <unordered_map>

namespace fast_cache::dynamodb {
namespace asio = boost::asio;
namespace {

std::atomic<std::uint64_t> next_registry_id{1};

// Closes a busy thread lane's client from inside the call it is running (run_on), on the owning
// thread. Holds a plain pointer: it is queued in the lane's own io_context, which cannot outlive
// the lane.
struct close_thread_lane {
  thread_lane* lane;
  void operator()() const {
    if (lane->api) lane->api->close();
  }
};

// Closes an io_context lane's client on its strand; keeps the lane alive until then.
struct close_context_lane {
  std::shared_ptr<context_lane> lane;
  void operator()() const { lane->api->close(); }
};

// The io_context lanes of every backend used with one io_context. Its shutdown, when the
// io_context is destroyed, destroys them while the io_context's services still exist.
class lane_service : public asio::execution_context::service {
 public:
  static inline asio::execution_context::id id;

  explicit lane_service(asio::execution_context& ctx) : service(ctx) {}

  template <class Make>
  std::shared_ptr<context_lane> find_or_make(std::uint64_t registry, Make make) {
    const std::lock_guard lock(mutex_);
    if (const auto it = lanes_.find(registry); it != lanes_.end()) return it->second;
    std::erase_if(lanes_, [](const auto& entry) { return entry.second->retired.load(); });  // closed backends
    return lanes_.emplace(registry, make()).first->second;
  }

 private:
  void shutdown() override {
    std::unordered_map<std::uint64_t, std::shared_ptr<context_lane>> lanes;
    {
      const std::lock_guard lock(mutex_);
      lanes.swap(lanes_);
    }
  }

  std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::shared_ptr<context_lane>> lanes_;
};

// One call at a time per thread: one connection is all a thread lane can use. The lane's own
// io_context runs only for its owner's calls, one handler at a time (run_on), so the request
// timer may stay armed between them.
net::client_options thread_lane_options(net::client_options http) {
  http.max_connections = 1;
  http.timer_outlives_requests = true;
  return http;
}

}  // namespace

// Only one thread runs `ioc` at a time (the owner, or close_all holding `busy`), so the client
// needs no strand.
thread_lane::thread_lane(const client_settings& settings) {
  api.emplace(ioc.get_executor(), settings.config, thread_lane_options(settings.http), settings.retry,
              settings.counters);
}

context_lane::context_lane(asio::io_context& ioc, const client_settings& settings) : strand(ioc.get_executor()) {
  api.emplace(strand, settings.config, settings.http, settings.retry, settings.counters);
}

lane_registry::lane_registry(client_settings settings) : id_(next_registry_id++), settings_(std::move(settings)) {}

std::shared_ptr<thread_lane> lane_registry::for_this_thread() {
  thread_local std::unordered_map<std::uint64_t, std::shared_ptr<thread_lane>> mine;
  if (const auto it = mine.find(id_); it != mine.end()) return it->second;
  std::erase_if(mine, [](const auto& entry) { return entry.second->retired.load(); });  // closed backends
  auto lane = std::make_shared<thread_lane>(settings_);
  {
    const std::lock_guard lock(mutex_);
    if (closed_) return nullptr;
    std::erase_if(threads_, [](const auto& weak) { return weak.expired(); });  // threads that ended
    threads_.push_back(lane);
  }
  mine.emplace(id_, lane);
  return lane;
}

std::shared_ptr<context_lane> lane_registry::for_context(asio::io_context& ioc) {
  const std::lock_guard lock(mutex_);
  if (closed_) return nullptr;
  bool made = false;
  auto lane = asio::use_service<lane_service>(ioc).find_or_make(id_, [&] {
    made = true;
    return std::make_shared<context_lane>(ioc, settings_);
  });
  if (made) {
    std::erase_if(contexts_, [](const auto& weak) { return weak.expired(); });  // io_contexts destroyed
    contexts_.push_back(lane);
  }
  return lane;
}

void lane_registry::close_all() {
  std::vector<std::weak_ptr<thread_lane>> threads;
  std::vector<std::weak_ptr<context_lane>> contexts;
  {
    const std::lock_guard lock(mutex_);
    closed_ = true;
    threads.swap(threads_);
    contexts.swap(contexts_);
  }
  for (const auto& weak : threads) {
    const auto lane = weak.lock();
    if (!lane) continue;
    lane->retired = true;
    asio::post(lane->ioc, close_thread_lane{lane.get()});  // ends a call in progress on that lane promptly
    const std::lock_guard idle(lane->busy);                // waits for it to unwind
    lane->api.reset();
    // The pool closes its connections on its strand: run that here, the owner may never run it again.
    lane->ioc.restart();
    lane->ioc.poll();
  }
  for (const auto& weak : contexts) {
    auto lane = weak.lock();
    if (!lane) continue;
    lane->retired = true;
    const auto strand = lane->strand;
    asio::post(strand, close_context_lane{std::move(lane)});
  }
}

}  // namespace fast_cache::dynamodb
