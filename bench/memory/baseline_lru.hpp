// The baseline the in-memory backend is measured against: the textbook LRU cache, one
// std::unordered_map and one std::list under a single global mutex.
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace fast_cache::bench {

/// Given its best shot: lookups take a string_view (the map's keys view the list's strings, which
/// never move), so the comparison measures the locking and layout, not a key copy.
class baseline_lru {
 public:
  explicit baseline_lru(std::size_t max_size) : max_size_(max_size) { index_.reserve(max_size); }

  std::optional<std::string> get(std::string_view key) {
    std::lock_guard lock(mutex_);
    const auto found = index_.find(key);
    if (found == index_.end()) return std::nullopt;
    order_.splice(order_.begin(), order_, found->second);
    return found->second->second;
  }

  bool get_into(std::string_view key, std::string& out) {
    std::lock_guard lock(mutex_);
    const auto found = index_.find(key);
    if (found == index_.end()) return false;
    order_.splice(order_.begin(), order_, found->second);
    out.assign(found->second->second);
    return true;
  }

  void set(std::string_view key, std::string_view value) {
    std::lock_guard lock(mutex_);
    if (const auto found = index_.find(key); found != index_.end()) {
      found->second->second = value;
      order_.splice(order_.begin(), order_, found->second);
      return;
    }
    order_.emplace_front(std::string(key), std::string(value));
    index_.emplace(order_.front().first, order_.begin());
    if (index_.size() > max_size_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }

 private:
  using entries = std::list<std::pair<std::string, std::string>>;

  std::mutex mutex_;
  std::size_t max_size_;
  entries order_;  // most recently used first
  std::unordered_map<std::string_view, entries::iterator> index_;
};

}  // namespace fast_cache::bench
