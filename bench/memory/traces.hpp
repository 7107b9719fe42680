// The key traces hit ratios are measured on: generated once with fixed seeds, written as files
// that this benchmark and the Caffeine harness both replay.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace fast_cache::bench {

/// A trace file holds its keys as little-endian uint64 numbers, nothing else.
struct trace_spec {
  std::string name;         // the file's name too
  std::string description;  // for the report
};

/// The traces, each about 5M requests over a million-key universe: Zipf 0.8, Zipf 0.99, Zipf 0.99
/// with a scan of 100K one-time keys starting at every 500K-th request (ten scans, 5.1M requests
/// in all), and a loop over the universe (10x the cache) five times.
[[nodiscard]] const std::vector<trace_spec>& trace_specs();
/// Entries a cache gets on every trace: 10% of the universe.
inline constexpr std::size_t trace_cache_size = 100'000;

/// Writes every trace into directory, unless its file is already there.
void write_traces(const std::filesystem::path& directory);
[[nodiscard]] std::vector<std::uint64_t> read_trace(const std::filesystem::path& file);

}  // namespace fast_cache::bench
