#include <fast_cache/cache.hpp>

#include <fast_cache/detail/cache_session.hpp>
#include <fast_cache/detail/stampede_lock.hpp>
#include <fast_cache/detail/tag_versions.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace fast_cache {

Cache cache;

Cache::Cache() = default;

Cache::~Cache() {
  // Refreshes still running use this Cache: they finish first.
  if (refresh_pool_) refresh_pool_->join();
}

void Cache::init(std::shared_ptr<Backend> backend, CacheOptions options) {
  if (!backend) throw std::invalid_argument("Cache::init: backend must not be null");
  default_expire_ms_.store(options.default_expire ? options.default_expire->count() : no_default_expire,
                           std::memory_order_relaxed);
  max_background_stores_.store(options.max_background_stores, std::memory_order_relaxed);
  if (options.http_secret.empty()) {
    if (const char* from_environment = std::getenv("FAST_CACHE_HTTP_SECRET")) options.http_secret = from_environment;
  }
  http_secret_.store(std::make_shared<const std::string>(std::move(options.http_secret)), std::memory_order_release);
  {
    std::lock_guard lock(hook_mutex_);
    on_error_ = options.on_error ? std::make_shared<const error_hook>(std::move(options.on_error)) : nullptr;
  }
  {
    std::lock_guard lock(clock_mutex_);
    clock_ =
        options.clock
            ? std::make_shared<const std::function<std::chrono::system_clock::time_point()>>(std::move(options.clock))
            : nullptr;
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

std::chrono::system_clock::time_point Cache::now() const {
  std::shared_ptr<const std::function<std::chrono::system_clock::time_point()>> clock;
  {
    std::lock_guard lock(clock_mutex_);
    clock = clock_;
  }
  return clock ? (*clock)() : std::chrono::system_clock::now();
}

void Cache::run_in_background(std::function<void()> work) {
  std::lock_guard lock(refresh_pool_mutex_);
  // Two threads: refreshes of different keys overlap, and a slow one never holds up all others.
  if (!refresh_pool_) refresh_pool_ = std::make_unique<boost::asio::thread_pool>(2);
  boost::asio::post(*refresh_pool_, std::move(work));
}

std::vector<item> Cache::new_tag_versions(const std::vector<std::string>& tags) {
  std::vector<item> versions;
  versions.reserve(tags.size());
  // One new version for the whole batch: a version only has to differ from the tag's earlier ones.
  const std::string version = detail::random_token();
  for (const std::string& tag : tags) versions.push_back(item{detail::tag_key(tag), version});
  tag_invalidations_.fetch_add(tags.size(), std::memory_order_relaxed);
  return versions;
}

void Cache::invalidate_tags(const std::vector<std::string>& tags) {
  std::vector<item> versions = new_tag_versions(tags);
  if (const std::shared_ptr<Backend> backend = this->backend()) backend->set_many(versions, duration(0));
}

void Cache::close() {
  // Stores that started before close() end within their write budget; a bounded wait keeps a
  // close() made where they cannot run (their own io thread) from hanging.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (background_in_flight_.load(std::memory_order_acquire) != 0 && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::unique_ptr<boost::asio::thread_pool> refreshes;
  {
    std::lock_guard lock(refresh_pool_mutex_);
    refreshes = std::move(refresh_pool_);
  }
  if (refreshes) refreshes->join();  // refreshes under way store their values before the backend goes
  if (auto backend = backend_.exchange(nullptr, std::memory_order_acq_rel)) backend->close();
}

bool Cache::begin_background_store(const std::string& key, const std::string& bytes) {
  const std::lock_guard lock(pending_mutex_);
  if (background_in_flight_.load(std::memory_order_relaxed) >= max_background_stores_.load(std::memory_order_relaxed))
    return false;
  // Another store of the same key may be in flight: the newer bytes are what a read should see.
  pending_.insert_or_assign(key, bytes);
  background_in_flight_.fetch_add(1, std::memory_order_release);
  background_stores_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void Cache::end_background_store(const std::string& key) noexcept {
  const std::lock_guard lock(pending_mutex_);
  pending_.erase(key);  // an older store ending early forgets newer bytes: only a miss, never stale
  background_in_flight_.fetch_sub(1, std::memory_order_release);
}

std::optional<std::string> Cache::pending_store(const std::string& key) const {
  // Most reads happen with no store in flight: they skip the lock.
  if (background_in_flight_.load(std::memory_order_acquire) == 0) return std::nullopt;
  const std::lock_guard lock(pending_mutex_);
  const auto it = pending_.find(key);
  if (it == pending_.end()) return std::nullopt;
  return it->second;
}

cache_stats Cache::stats() const noexcept {
  return {hits_.load(std::memory_order_relaxed),
          misses_.load(std::memory_order_relaxed),
          errors_.load(std::memory_order_relaxed),
          timeouts_.load(std::memory_order_relaxed),
          unavailable_.load(std::memory_order_relaxed),
          undecodable_.load(std::memory_order_relaxed),
          background_stores_.load(std::memory_order_relaxed),
          background_in_flight_.load(std::memory_order_relaxed),
          locks_taken_.load(std::memory_order_relaxed),
          lock_waits_.load(std::memory_order_relaxed),
          lock_timeouts_.load(std::memory_order_relaxed),
          stale_served_.load(std::memory_order_relaxed),
          stale_if_error_served_.load(std::memory_order_relaxed),
          early_refreshes_.load(std::memory_order_relaxed),
          refreshes_.load(std::memory_order_relaxed),
          refresh_failures_.load(std::memory_order_relaxed),
          tag_invalidations_.load(std::memory_order_relaxed)};
}

bool Cache::local_lock(const std::string& key, const std::string& token, std::chrono::milliseconds lease) {
  const auto now = std::chrono::steady_clock::now();
  const std::lock_guard lock(local_locks_mutex_);
  auto [it, inserted] = local_locks_.try_emplace(key);
  if (!inserted && it->second.until > now) return false;
  it->second = local_lock_holder{token, now + lease};
  return true;
}

void Cache::local_unlock(const std::string& key, const std::string& token) {
  const std::lock_guard lock(local_locks_mutex_);
  const auto it = local_locks_.find(key);
  if (it != local_locks_.end() && it->second.token == token) local_locks_.erase(it);
}

void Cache::record_error(std::string_view operation, std::string_view key, const boost::system::error_code& code,
                         const diagnostics& diag) noexcept {
  errors_.fetch_add(1, std::memory_order_relaxed);
  if (code == errc::timeout) timeouts_.fetch_add(1, std::memory_order_relaxed);
  if (code == errc::unavailable) unavailable_.fetch_add(1, std::memory_order_relaxed);
  if (code == errc::decode_failed) undecodable_.fetch_add(1, std::memory_order_relaxed);
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

cache_session::cache_session(Cache& cache, std::shared_ptr<Backend> backend, std::string key)
    : cache_(&cache), backend_(std::move(backend)), key_(std::move(key)) {}

std::optional<std::string> cache_session::read_finished(const boost::system::error_code& ec,
                                                        std::optional<std::string> stored) {
  if (!ec) return stored;
  cache_->record_error("get", key_, ec, diag_);
  return std::nullopt;
}

void cache_session::undecodable(std::string_view why) {
  const diagnostics diag{"stored value under \"" + key_ + "\" cannot be decoded: " + std::string(why)};
  cache_->record_error("decode", key_, errc::decode_failed, diag);
}

void cache_session::hit() noexcept { cache_->record_hit(); }
void cache_session::miss() noexcept { cache_->record_miss(); }
void cache_session::served(freshness verdict) noexcept {
  cache_->record_hit();
  if (verdict == freshness::stale_revalidate) cache_->record_stale_served();
  if (verdict == freshness::refresh_early) cache_->record_early_refresh();
}
void cache_session::stale_if_error() noexcept { cache_->record_stale_if_error(); }
std::optional<refresh_guard> cache_session::begin_refresh() {
  if (!cache_->refreshing_.begin(key_)) return std::nullopt;
  return std::optional<refresh_guard>(std::in_place, cache_->refreshing_, key_);
}
void cache_session::refresh_finished(bool stored) noexcept { cache_->record_refresh(stored); }
void cache_session::run_in_background(Cache& cache, std::function<void()> work) {
  cache.run_in_background(std::move(work));
}

void cache_session::store_finished(const boost::system::error_code& ec) {
  if (ec) cache_->record_error("set", key_, ec, diag_);
}

std::optional<bool> cache_session::lock_finished(const boost::system::error_code& ec, bool taken) {
  if (!ec) return taken;
  cache_->record_error("lock", key_, ec, diag_);
  return std::nullopt;
}

void cache_session::unlock_finished(const boost::system::error_code& ec) {
  if (ec) cache_->record_error("unlock", key_, ec, diag_);
}

bool cache_session::local_lock(const std::string& token, std::chrono::milliseconds lease) {
  return cache_->local_lock(lock_key(key_), token, lease);
}
void cache_session::local_unlock(const std::string& token) { cache_->local_unlock(lock_key(key_), token); }
void cache_session::lock_taken() noexcept { cache_->record_lock_taken(); }
void cache_session::lock_waited() noexcept { cache_->record_lock_wait(); }
void cache_session::lock_wait_ran_out() noexcept { cache_->record_lock_timeout(); }

std::optional<std::string> read(cache_session& s) {
  if (auto pending = s.pending_store()) return pending;
  try {
    return s.read_finished({}, s.backend().get(s.key()));
  } catch (...) {
    const auto ec = error_code_from(std::current_exception(), &s.diag());
    return s.read_finished(ec, std::nullopt);
  }
}

void store(cache_session& s, std::string bytes, expiry expire) {
  boost::system::error_code ec;
  try {
    s.backend().set(s.key(), bytes, expire);
  } catch (...) {
    ec = error_code_from(std::current_exception(), &s.diag());
  }
  s.store_finished(ec);
}

background_slot::background_slot(Cache& cache, const std::string& key, const std::string& bytes)
    : cache_(cache.begin_background_store(key, bytes) ? &cache : nullptr), key_(cache_ ? key : std::string()) {}

background_slot::~background_slot() {
  if (cache_) cache_->end_background_store(key_);
}

std::optional<std::string> cache_session::pending_store() const { return cache_->pending_store(key_); }

}  // namespace detail
}  // namespace fast_cache
