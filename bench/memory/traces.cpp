#include "traces.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <stdexcept>

namespace fast_cache::bench {

namespace {

constexpr std::uint64_t universe = 1'000'000;
constexpr std::size_t requests = 5'000'000;
constexpr std::size_t scan_every = 500'000;
constexpr std::size_t scan_length = 100'000;

// Draws key ranks 0..universe-1 with P(rank r) proportional to 1 / (r + 1)^skew, by inverting the
// cumulative distribution; the rank is scrambled into a key so hot keys are not neighbours.
class zipf_keys {
 public:
  zipf_keys(double skew, std::uint64_t seed) : random_(seed), cdf_(universe) {
    double total = 0;
    for (std::uint64_t r = 0; r < universe; ++r) cdf_[r] = total += 1.0 / std::pow(static_cast<double>(r + 1), skew);
    for (double& c : cdf_) c /= total;
  }
  std::uint64_t operator()() {
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
    const auto rank = static_cast<std::uint64_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
    // 999'983 is prime, so coprime with the universe: multiplying permutes the ranks.
    return std::min(rank, universe - 1) * 999'983 % universe;
  }

 private:
  std::mt19937_64 random_;
  std::vector<double> cdf_;
};

std::vector<std::uint64_t> zipf(double skew, std::uint64_t seed, bool scans) {
  zipf_keys next(skew, seed);
  std::vector<std::uint64_t> keys;
  keys.reserve(requests);
  std::uint64_t fresh = universe;  // scans read keys outside the Zipf universe, each once
  while (keys.size() < requests) {
    keys.push_back(next());
    if (scans && keys.size() % scan_every == 0) {
      for (std::size_t i = 0; i < scan_length; ++i) keys.push_back(fresh++);
    }
  }
  return keys;
}

std::vector<std::uint64_t> loop() {
  std::vector<std::uint64_t> keys(requests);
  for (std::size_t i = 0; i < requests; ++i) keys[i] = i % universe;
  return keys;
}

std::vector<std::uint64_t> make(const std::string& name) {
  if (name == "zipf-0.8") return zipf(0.8, 1, false);
  if (name == "zipf-0.99") return zipf(0.99, 2, false);
  if (name == "zipf-0.99-scans") return zipf(0.99, 3, true);
  if (name == "loop") return loop();
  throw std::invalid_argument("no trace named " + name);
}

}  // namespace

const std::vector<trace_spec>& trace_specs() {
  static const std::vector<trace_spec> specs{
      {"zipf-0.8", "Zipf 0.8, 1M keys"},
      {"zipf-0.99", "Zipf 0.99, 1M keys"},
      {"zipf-0.99-scans", "Zipf 0.99, a 100K one-time-key scan at every 500K-th request"},
      {"loop", "loop over 1M keys (10x cache), 5 times"},
  };
  return specs;
}

void write_traces(const std::filesystem::path& directory) {
  std::filesystem::create_directories(directory);
  for (const trace_spec& spec : trace_specs()) {
    const auto file = directory / spec.name;
    if (std::filesystem::exists(file)) continue;
    const std::vector<std::uint64_t> keys = make(spec.name);
    const auto partial = std::filesystem::path(file) += ".partial";
    std::ofstream out(partial, std::ios::binary);
    out.write(reinterpret_cast<const char*>(keys.data()), static_cast<std::streamsize>(keys.size() * sizeof(keys[0])));
    if (!out.flush()) throw std::runtime_error("cannot write " + partial.string());
    out.close();
    std::filesystem::rename(partial, file);  // a run stopped halfway leaves no truncated trace behind
  }
}

std::vector<std::uint64_t> read_trace(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::vector<std::uint64_t> keys(std::filesystem::file_size(file) / sizeof(std::uint64_t));
  in.read(reinterpret_cast<char*>(keys.data()), static_cast<std::streamsize>(keys.size() * sizeof(keys[0])));
  return keys;
}

}  // namespace fast_cache::bench
