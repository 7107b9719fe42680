#include "options.hpp"

#include <fast_cache/error.hpp>

#include <algorithm>
#include <bit>
#include <string>
#include <string_view>
#include <thread>

namespace fast_cache {

std::size_t default_memory_shards() noexcept {
  // Four shards per thread make two threads meet on one shard rarely; the cap keeps a small
  // cache from being cut into slivers on a big machine.
  const std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
  return std::clamp<std::size_t>(std::bit_ceil(threads * 4), 16, 256);
}

memory_eviction memory_eviction_from_name(std::string_view name) {
  if (name == "lru") return memory_eviction::lru;
  if (name == "tinylfu") return memory_eviction::tinylfu;
  throw Error(errc::invalid_argument,
              "InMemoryOptions::eviction must be lru or tinylfu, got \"" + std::string(name) + "\"");
}

namespace detail::memory {

namespace {

constexpr std::size_t max_shards = 4096;

[[noreturn]] void invalid(const std::string& message) {
  throw Error(errc::invalid_argument, "InMemoryOptions::" + message);
}

std::string show(duration d) { return std::to_string(d.count()) + "ms"; }

}  // namespace

void validate(const InMemoryOptions& options) {
  if (options.namespace_.empty()) invalid("namespace_ must not be empty");
  if (options.shards == 0 || options.shards > max_shards) {
    invalid("shards must be between 1 and " + std::to_string(max_shards) + ", got " + std::to_string(options.shards));
  }
  if (options.default_expire && options.default_expire->count() < 0) {
    invalid("default_expire must not be negative, got " + show(*options.default_expire) +
            " (std::nullopt or 0 means entries never expire)");
  }
  if (options.eviction != memory_eviction::lru && options.eviction != memory_eviction::tinylfu) {
    invalid("eviction must be memory_eviction::lru or memory_eviction::tinylfu");
  }
  if (options.sweep_interval.count() < 0) {
    invalid("sweep_interval must not be negative, got " + show(options.sweep_interval));
  }
  if (options.max_bytes != 0 && options.max_bytes < shard_count(options)) {
    invalid("max_bytes (" + std::to_string(options.max_bytes) + ") must be at least the number of shards (" +
            std::to_string(shard_count(options)) +
            "), as every shard gets a share of it; lower shards or raise max_bytes");
  }
}

std::size_t shard_count(const InMemoryOptions& options) noexcept {
  return options.max_size == 0 ? options.shards : std::min(options.shards, options.max_size);
}

budget shard_budget(const InMemoryOptions& options, std::size_t shards, std::size_t index) noexcept {
  const auto share = [&](std::size_t total) { return total / shards + (index < total % shards ? 1 : 0); };
  return {.max_entries = share(options.max_size), .max_bytes = share(options.max_bytes)};
}

}  // namespace detail::memory
}  // namespace fast_cache
