#include <fast_cache/httplib.hpp>

#include <functional>
#include <memory>
#include <utility>

namespace httplib {

namespace {

// Server::listen creates its task queue when it starts and shuts it down, which joins the worker
// threads, when it stops: wrapping that queue is how the cache learns that the server is done.
class closing_task_queue final : public TaskQueue {
 public:
  closing_task_queue(std::unique_ptr<TaskQueue> inner, fast_cache::Cache& cache)
      : inner_(std::move(inner)), cache_(cache) {}

  void enqueue(std::function<void()> fn) override { inner_->enqueue(std::move(fn)); }
  void on_idle() override { inner_->on_idle(); }
  void shutdown() override {
    inner_->shutdown();
    cache_.close();
  }

 private:
  std::unique_ptr<TaskQueue> inner_;
  fast_cache::Cache& cache_;
};

}  // namespace

void fast_cache_init_app(Server& server, fast_cache::Cache& cache) {
  server.new_task_queue = [make_inner = std::move(server.new_task_queue), &cache]() -> TaskQueue* {
    return new closing_task_queue(std::unique_ptr<TaskQueue>(make_inner()), cache);
  };
}

}  // namespace httplib
