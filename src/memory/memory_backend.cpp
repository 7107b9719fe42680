#include <fast_cache/memory_backend.hpp>

#include "entry.hpp"
#include "key_hash.hpp"
#include "lazy_now.hpp"
#include "options.hpp"
#include "shard.hpp"

#include <fast_cache/completion.hpp>

#include <algorithm>
#include <cstring>
#include <functional>
#include <type_traits>

namespace fast_cache {

using detail::memory::entry;
using detail::memory::entry_ref;
using detail::memory::hash_key;
using detail::memory::lazy_now;
using detail::memory::shard;
using detail::memory::time_point;

namespace {

// When an entry stored now for ttl expires; a lifetime beyond the clock's range never ends.
time_point deadline_for(std::optional<duration> ttl, lazy_now& now) {
  if (!ttl) return detail::memory::never;
  const time_point t = now.get();
  const auto headroom = detail::memory::never - std::max(t, time_point{});
  if (*ttl >= std::chrono::duration_cast<duration>(headroom)) return detail::memory::never;
  return t + *ttl;
}

// The entry to store for key: its deadline from the call's expiry or the backend's default.
entry_ref fresh_entry(std::uint64_t hash, std::string_view key, std::string_view value, expiry expire,
                      expiry default_expire, lazy_now& now) {
  return entry_ref(entry::make(hash, key, value, deadline_for(effective_expiry(expire, default_expire), now)));
}

// Runs op at once and hands its outcome to handler through post_completion, which never runs it
// inside the initiating call. A failure travels as its error code (its diagnosis into diag), with
// an empty result.
template <class Handler, class Op>
void complete(Handler handler, diagnostics* diag, Op op) {
  using result = std::invoke_result_t<Op&>;
  boost::system::error_code ec;
  if constexpr (std::is_void_v<result>) {
    try {
      op();
    } catch (...) {
      ec = error_code_from(std::current_exception(), diag);
    }
    post_completion(std::move(handler), ec);
  } else {
    result value{};
    try {
      value = op();
    } catch (...) {
      ec = error_code_from(std::current_exception(), diag);
    }
    post_completion(std::move(handler), ec, std::move(value));
  }
}

// Out of line, so that ensure_open, on every call, inlines to a load and a branch.
[[noreturn, gnu::cold]] void throw_closed() { throw Error(errc::closed, "InMemoryBackend is closed"); }

}  // namespace

InMemoryBackend::InMemoryBackend(InMemoryOptions options) {
  detail::memory::validate(options);
  namespace_ = std::move(options.namespace_);
  default_expire_ = options.default_expire;
  clock_ = std::move(options.clock);
  shard_count_ = detail::memory::shard_count(options);
  // Every shard gets the same share (remainders aside), so this is the largest entry all accept.
  max_entry_bytes_ = options.max_bytes / shard_count_;
  shards_ = std::make_unique<shard[]>(shard_count_);
  lazy_now now(clock_);
  const time_point start = now.get();
  // Longer than the steady clock's nanoseconds can count (292 years) means never, and would overflow.
  const auto sweep_interval =
      options.sweep_interval >= std::chrono::duration_cast<duration>(std::chrono::nanoseconds::max())
          ? std::chrono::nanoseconds::max()
          : std::chrono::nanoseconds(options.sweep_interval);
  const auto eviction = options.eviction == memory_eviction::lru ? detail::memory::eviction_policy::kind::lru
                                                                 : detail::memory::eviction_policy::kind::tinylfu;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    shards_[i].configure(detail::memory::shard_budget(options, shard_count_, i), eviction, sweep_interval, start);
  }
}

InMemoryBackend::~InMemoryBackend() = default;

std::optional<std::string> InMemoryBackend::get(std::string_view key) {
  ensure_open();
  validate_key(key);
  const std::uint64_t hash = hash_key(key);
  lazy_now now(clock_);
  return shard_for(hash).find(hash, key, now).take();  // the string is built after the lookup
}

bool InMemoryBackend::try_get_now(std::string_view key, std::optional<std::string>& out) {
  if (closed_.load(std::memory_order_acquire) || key.empty()) return false;  // the async read says why
  out = get(key);
  return true;
}

bool InMemoryBackend::get_into(std::string_view key, std::string& out) {
  ensure_open();
  validate_key(key);
  const std::uint64_t hash = hash_key(key);
  lazy_now now(clock_);
  // A small value that fits out's capacity is copied inside the lookup, with no allocation there;
  // a larger one is pinned and copied after it, as found_value does for get. The copy resizes
  // out within its capacity and overwrites it: assign's general path, which allows for a source
  // inside out, cost ten instructions more.
  entry_ref pinned;
  const bool found = shard_for(hash).find(hash, key, now, [&](entry* e) {
    const std::string_view value = e->value();
    if (value.size() <= out.capacity() && value.size() <= detail::memory::found_value::inline_capacity) {
      out.resize(value.size());
      std::memcpy(out.data(), value.data(), value.size());
    } else {
      e->acquire();
      pinned = entry_ref(e);
    }
  });
  if (pinned) out.assign(pinned->value());
  return found;
}

bool InMemoryBackend::visit_value(std::string_view key, value_visitor visitor, void* context) {
  ensure_open();
  validate_key(key);
  const std::uint64_t hash = hash_key(key);
  lazy_now now(clock_);
  const detail::memory::found_value found = shard_for(hash).find(hash, key, now);
  if (found) visitor(context, found.value());
  return static_cast<bool>(found);
}

void InMemoryBackend::set(std::string_view key, std::string_view value, expiry expire) {
  ensure_open();
  check_entry(key, value);
  store(key, value, expire);
}

bool InMemoryBackend::set_if_absent(std::string_view key, std::string_view value, expiry expire) {
  ensure_open();
  check_entry(key, value);
  const std::uint64_t hash = hash_key(key);
  lazy_now now(clock_);
  return shard_for(hash).store_if_absent(fresh_entry(hash, key, value, expire, default_expire_, now), now);
}

bool InMemoryBackend::erase_if_equal(std::string_view key, std::string_view value) {
  ensure_open();
  validate_key(key);
  const std::uint64_t hash = hash_key(key);
  return shard_for(hash).erase_if_equal(hash, key, value);
}

bool InMemoryBackend::has(std::string_view key) {
  ensure_open();
  validate_key(key);
  const std::uint64_t hash = hash_key(key);
  lazy_now now(clock_);
  return shard_for(hash).contains(hash, key, now);
}

void InMemoryBackend::erase(std::string_view key) {
  ensure_open();
  validate_key(key);
  const std::uint64_t hash = hash_key(key);
  shard_for(hash).erase(hash, key);
}

// Both free everything they removed before returning, once no read can still hold it.
void InMemoryBackend::clear() {
  ensure_open();
  detail::memory::retired_batch removed;
  for (std::size_t i = 0; i < shard_count_; ++i) shards_[i].clear(removed);
}

std::vector<std::optional<std::string>> InMemoryBackend::get_many(std::span<const std::string> keys) {
  ensure_open();
  for (const auto& key : keys) validate_key(key);
  std::vector<std::optional<std::string>> values;
  values.reserve(keys.size());
  lazy_now now(clock_);
  for (const auto& key : keys) {
    const std::uint64_t hash = hash_key(key);
    values.push_back(shard_for(hash).find(hash, key, now).take());
  }
  return values;
}

void InMemoryBackend::set_many(std::span<const item> items, expiry expire) {
  ensure_open();
  for (const auto& [key, value] : items) check_entry(key, value);
  for (const auto& [key, value] : items) store(key, value, expire);
}

void InMemoryBackend::erase_many(std::span<const std::string> keys) {
  ensure_open();
  for (const auto& key : keys) validate_key(key);
  for (const auto& key : keys) {
    const std::uint64_t hash = hash_key(key);
    shard_for(hash).erase(hash, key);
  }
}

void InMemoryBackend::close() {
  if (closed_.exchange(true, std::memory_order_acq_rel)) return;
  detail::memory::retired_batch removed;
  for (std::size_t i = 0; i < shard_count_; ++i) shards_[i].close(removed);
}

std::size_t InMemoryBackend::size() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) total += shards_[i].size();
  return total;
}

std::size_t InMemoryBackend::entry_charge(std::size_t key_size, std::size_t value_size) noexcept {
  return detail::memory::entry_charge(key_size, value_size);
}

std::size_t InMemoryBackend::bytes() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) total += shards_[i].bytes();
  return total;
}

void InMemoryBackend::do_async_get(std::string key, diagnostics* diag, get_handler handler) {
  complete(std::move(handler), diag, [&] { return get(key); });
}

void InMemoryBackend::do_async_set(std::string key, std::string value, expiry expire, diagnostics* diag,
                                   done_handler handler) {
  complete(std::move(handler), diag, [&] { set(key, value, expire); });
}

void InMemoryBackend::do_async_has(std::string key, diagnostics* diag, has_handler handler) {
  complete(std::move(handler), diag, [&] { return has(key); });
}

void InMemoryBackend::do_async_erase(std::string key, diagnostics* diag, done_handler handler) {
  complete(std::move(handler), diag, [&] { erase(key); });
}

void InMemoryBackend::do_async_clear(diagnostics* diag, done_handler handler) {
  complete(std::move(handler), diag, [&] { clear(); });
}

void InMemoryBackend::do_async_set_if_absent(std::string key, std::string value, expiry expire, diagnostics* diag,
                                             has_handler handler) {
  complete(std::move(handler), diag, [&] { return set_if_absent(key, value, expire); });
}

void InMemoryBackend::do_async_erase_if_equal(std::string key, std::string value, diagnostics* diag,
                                              has_handler handler) {
  complete(std::move(handler), diag, [&] { return erase_if_equal(key, value); });
}

void InMemoryBackend::do_async_get_many(std::vector<std::string> keys, diagnostics* diag, get_many_handler handler) {
  complete(std::move(handler), diag, [&] { return get_many(keys); });
}

void InMemoryBackend::do_async_set_many(std::vector<item> items, expiry expire, diagnostics* diag,
                                        done_handler handler) {
  complete(std::move(handler), diag, [&] { set_many(items, expire); });
}

void InMemoryBackend::do_async_erase_many(std::vector<std::string> keys, diagnostics* diag, done_handler handler) {
  complete(std::move(handler), diag, [&] { erase_many(keys); });
}

void InMemoryBackend::ensure_open() const {
  if (closed_.load(std::memory_order_acquire)) [[unlikely]]
    throw_closed();
}

void InMemoryBackend::check_entry(std::string_view key, std::string_view value) const {
  validate_key(key);
  if (max_entry_bytes_ == 0) return;
  const std::size_t charge = entry_charge(key.size(), value.size());
  if (charge > max_entry_bytes_) {
    throw Error(errc::value_too_large, "InMemoryBackend: an entry charged " + std::to_string(charge) + " bytes (" +
                                           std::to_string(key.size() + value.size()) +
                                           " of key and value, the rest overhead) exceeds the byte budget of a "
                                           "shard, " +
                                           std::to_string(max_entry_bytes_) + " bytes (max_bytes / shards)");
  }
}

shard& InMemoryBackend::shard_for(std::uint64_t hash) const noexcept {
  // The high half picks the shard (multiply-shift, any shard count); the table uses the low bits.
  return shards_[static_cast<std::size_t>(((hash >> 32) * shard_count_) >> 32)];
}

void InMemoryBackend::store(std::string_view key, std::string_view value, expiry expire) {
  const std::uint64_t hash = hash_key(key);
  lazy_now now(clock_);
  shard_for(hash).store(fresh_entry(hash, key, value, expire, default_expire_, now), now);
}

}  // namespace fast_cache
