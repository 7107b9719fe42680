#include "tiered/near_cache.hpp"

#include <fast_cache/error.hpp>

#include <functional>

namespace fast_cache::detail::tiered {

near_cache::near_cache(InMemoryOptions options, bool enabled) : store_(std::move(options)), enabled_(enabled) {}

std::size_t near_cache::index_of(std::string_view key) noexcept {
  return std::hash<std::string_view>{}(key) % stripe_count;
}

std::optional<std::string> near_cache::lookup(std::string_view key) {
  if (!enabled()) return std::nullopt;
  return store_.get(key);
}

bool near_cache::contains(std::string_view key) { return enabled() && store_.has(key); }

near_cache::ticket near_cache::before_read(std::string_view key) {
  const std::size_t index = index_of(key);
  stripe& s = stripe_of(index);
  const std::lock_guard lock(s.mutex);
  return ticket{index, s.epoch};
}

void near_cache::fill(const ticket& t, std::string_view key, std::string_view value, duration lifetime) {
  stripe& s = stripe_of(t.stripe);
  const std::lock_guard lock(s.mutex);
  if (s.epoch == t.epoch && enabled()) keep(key, value, lifetime);
}

near_cache::ticket near_cache::begin_write(std::string_view key) {
  const std::size_t index = index_of(key);
  stripe& s = stripe_of(index);
  const std::lock_guard lock(s.mutex);
  drop(key);
  ++s.writers;
  return ticket{index, ++s.epoch};
}

void near_cache::end_write(const ticket& t, std::string_view key, std::optional<std::string_view> value,
                           std::optional<duration> lifetime) {
  stripe& s = stripe_of(t.stripe);
  const std::lock_guard lock(s.mutex);
  --s.writers;
  const bool alone = s.epoch == t.epoch && s.writers == 0;
  ++s.epoch;  // reads that began before this write ended may have seen the old value
  if (alone && value && lifetime && enabled()) {
    keep(key, *value, *lifetime);
  } else {
    drop(key);
  }
}

void near_cache::invalidate(std::string_view key) {
  stripe& s = stripe_of(index_of(key));
  const std::lock_guard lock(s.mutex);
  ++s.epoch;
  drop(key);
}

// Stripe by stripe, then the store: a value kept before its stripe moved on goes with the
// store's clear; one kept after it was read after this began. (Holding every stripe at once
// would also do, but ThreadSanitizer tracks at most 64 locks held by one thread.)
void near_cache::invalidate_all() {
  for (stripe& s : stripes_) {
    const std::lock_guard lock(s.mutex);
    ++s.epoch;
  }
  try {
    store_.clear();
  } catch (const Error&) {
    // Closed: it holds nothing any more.
  }
}

void near_cache::set_enabled(bool enabled) {
  if (!enabled) {
    enabled_.store(false, std::memory_order_release);
    invalidate_all();
    return;
  }
  invalidate_all();  // whatever was kept before is of a time the caller no longer vouches for
  enabled_.store(true, std::memory_order_release);
}

void near_cache::close() { store_.close(); }

void near_cache::drop(std::string_view key) noexcept {
  try {
    store_.erase(key);
  } catch (const Error&) {
    // Closed: it holds nothing any more.
  }
}

void near_cache::keep(std::string_view key, std::string_view value, duration lifetime) noexcept {
  try {
    store_.set(key, value, lifetime);
  } catch (const Error&) {
    // Too large for L1, or closed: L2 still has it.
  }
}

}  // namespace fast_cache::detail::tiered
