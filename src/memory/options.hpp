// Checking InMemoryOptions and splitting their budget across shards.
#pragma once

#include "shard.hpp"

#include <fast_cache/memory_backend.hpp>

#include <cstddef>

namespace fast_cache::detail::memory {

/// Throws Error(errc::invalid_argument) naming the first invalid option.
void validate(const InMemoryOptions& options);

/// The shard count actually used: options.shards, but never more than max_size.
[[nodiscard]] std::size_t shard_count(const InMemoryOptions& options) noexcept;

/// Shard index's share of max_size and max_bytes; the remainders go to the first shards.
[[nodiscard]] budget shard_budget(const InMemoryOptions& options, std::size_t shards, std::size_t index) noexcept;

}  // namespace fast_cache::detail::memory
