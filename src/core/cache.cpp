#include <fast_cache/cache.hpp>

#include <stdexcept>

namespace fast_cache {

Cache cache;

void Cache::init(std::shared_ptr<Backend> backend, CacheOptions options) {
  if (!backend) throw std::invalid_argument("Cache::init: backend must not be null");
  default_expire_ms_.store(options.default_expire ? options.default_expire->count() : no_default_expire,
                           std::memory_order_relaxed);
  {
    std::lock_guard lock(hook_mutex_);
    on_error_ = options.on_error ? std::make_shared<const error_hook>(std::move(options.on_error)) : nullptr;
  }
  backend_.store(std::move(backend), std::memory_order_release);
}

std::shared_ptr<Backend> Cache::get_cache() const {
  auto backend = this->backend();
  if (!backend) throw std::logic_error("Cache not initialized. Call init_app first.");
  return backend;
}

expiry Cache::default_expire() const noexcept {
  const std::int64_t ms = default_expire_ms_.load(std::memory_order_relaxed);
  if (ms == no_default_expire) return std::nullopt;
  return duration(ms);
}

void Cache::close() {
  if (auto backend = backend_.exchange(nullptr, std::memory_order_acq_rel)) backend->close();
}

cache_stats Cache::stats() const noexcept {
  return {hits_.load(std::memory_order_relaxed), misses_.load(std::memory_order_relaxed),
          errors_.load(std::memory_order_relaxed), timeouts_.load(std::memory_order_relaxed),
          unavailable_.load(std::memory_order_relaxed)};
}

void Cache::record_error(std::string_view operation, std::string_view key, const boost::system::error_code& code,
                         const diagnostics& diag) noexcept {
  errors_.fetch_add(1, std::memory_order_relaxed);
  if (code == errc::timeout) timeouts_.fetch_add(1, std::memory_order_relaxed);
  if (code == errc::unavailable) unavailable_.fetch_add(1, std::memory_order_relaxed);
  // Called outside the lock: a slow hook must not hold up other failing calls, nor a hook that
  // itself uses the cache deadlock.
  std::shared_ptr<const error_hook> hook;
  {
    std::lock_guard lock(hook_mutex_);
    hook = on_error_;
  }
  if (!hook) return;
  try {
    (*hook)(cache_error{operation, key, code, diag});
  } catch (...) {
    // A throwing hook must not turn an absorbed failure into a failed call.
  }
}

namespace detail {

void record_current_exception(Cache& cache, std::string_view operation, std::string_view key) noexcept {
  diagnostics diag;
  const auto code = error_code_from(std::current_exception(), &diag);
  cache.record_error(operation, key, code, diag);
}

}  // namespace detail
}  // namespace fast_cache
