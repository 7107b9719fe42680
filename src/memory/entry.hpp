// One stored entry: key and value bytes in a single allocation, shared by reference count.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

namespace fast_cache::detail::memory {

using time_point = std::chrono::steady_clock::time_point;

/// The deadline of an entry that never expires.
inline constexpr time_point never = time_point::max();

/// Links of one of a shard's recency lists, guarded by the shard's lock. Once an entry has left
/// its shard, `next` chains it into an entry_list instead.
struct lru_hook {
  lru_hook* prev = nullptr;
  lru_hook* next = nullptr;
};

/// A field the shard's writers change under its lock while lock-free readers look at it: relaxed
/// atomic loads and stores, plain moves on x86, with no data race.
template <class T>
class racy {
 public:
  racy(T value) noexcept : value_(value) {}  // NOLINT(google-explicit-constructor): a drop-in field
  racy(const racy&) = delete;
  racy& operator=(const racy& other) noexcept { return *this = static_cast<T>(other); }
  racy& operator=(T value) noexcept {
    value_.store(value, std::memory_order_relaxed);
    return *this;
  }
  operator T() const noexcept { return value_.load(std::memory_order_relaxed); }  // NOLINT

 private:
  std::atomic<T> value_;
};

/// The recency list of a shard's eviction policy an entry is on (see eviction_policy).
enum class segment : std::uint8_t { window, probation, protected_main };

/// Bytes of the slot table per entry: a 16-byte slot (hash and pointer), the table at most half full.
inline constexpr std::size_t table_bytes_per_entry = 32;

/// What an entry costs against a byte budget: its single allocation (header, key and value) as
/// glibc's malloc sizes it (an 8-byte chunk header, rounded up to 16 bytes), plus its share of
/// the slot table.
[[nodiscard]] std::size_t entry_charge(std::size_t key_size, std::size_t value_size) noexcept;

/// Key and value are immutable once made, so readers look at them without the shard's lock, and a
/// set makes a new entry rather than changing one in place.
class entry : public lru_hook {
 public:
  /// A new entry holding copies of key and value, with one reference owned by the caller.
  static entry* make(std::uint64_t hash, std::string_view key, std::string_view value, time_point deadline) {
    void* storage = ::operator new(sizeof(entry) + key.size() + value.size());
    auto* e = new (storage) entry(hash, key.size(), value.size(), deadline);
    std::memcpy(e->bytes(), key.data(), key.size());
    if (!value.empty()) std::memcpy(e->bytes() + key.size(), value.data(), value.size());  // data() may be null
    return e;
  }

  entry(const entry&) = delete;
  entry& operator=(const entry&) = delete;

  [[nodiscard]] std::uint64_t hash() const noexcept { return hash_; }
  [[nodiscard]] std::string_view key() const noexcept { return {bytes(), key_size_}; }
  [[nodiscard]] std::string_view value() const noexcept { return {bytes() + key_size_, value_size_}; }
  [[nodiscard]] time_point deadline() const noexcept { return deadline_; }
  [[nodiscard]] bool expires() const noexcept { return deadline_ != never; }
  [[nodiscard]] bool expired_at(time_point now) const noexcept { return now >= deadline_; }
  /// What the entry costs against a byte budget (entry_charge).
  [[nodiscard]] std::size_t charge() const noexcept { return entry_charge(key_size_, value_size_); }
  /// The eviction policy's list the entry is on, and whether it was read since it last reached
  /// the front of the protected segment (eviction_policy); written under the shard's lock, read
  /// without it by a hit that may need no policy work.
  racy<segment> where = segment::window;
  racy<bool> referenced = false;

  void acquire() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      this->~entry();
      ::operator delete(static_cast<void*>(this));
    }
  }

 private:
  entry(std::uint64_t hash, std::size_t key_size, std::size_t value_size, time_point deadline) noexcept
      : hash_(hash), key_size_(key_size), value_size_(value_size), deadline_(deadline) {}
  ~entry() = default;

  [[nodiscard]] char* bytes() noexcept { return reinterpret_cast<char*>(this + 1); }
  [[nodiscard]] const char* bytes() const noexcept { return reinterpret_cast<const char*>(this + 1); }

  std::uint64_t hash_;
  std::size_t key_size_;
  std::size_t value_size_;
  time_point deadline_;
  std::atomic<std::uint32_t> refs_{1};
};

inline std::size_t entry_charge(std::size_t key_size, std::size_t value_size) noexcept {
  static_assert(sizeof(entry) == 64, "InMemoryBackend::entry_charge documents a 64-byte entry header");
  constexpr std::size_t chunk_header = 8;
  constexpr std::size_t alignment = 16;
  const std::size_t chunk = (sizeof(entry) + key_size + value_size + chunk_header + alignment - 1) & ~(alignment - 1);
  return chunk + table_bytes_per_entry;
}

/// Owns one reference to an entry.
class entry_ref {
 public:
  entry_ref() noexcept = default;
  explicit entry_ref(entry* e) noexcept : entry_(e) {}
  entry_ref(entry_ref&& other) noexcept : entry_(other.release()) {}
  entry_ref& operator=(entry_ref&& other) noexcept {
    entry_ref(std::move(other)).swap(*this);
    return *this;
  }
  ~entry_ref() {
    if (entry_) entry_->release();
  }

  explicit operator bool() const noexcept { return entry_ != nullptr; }
  const entry* operator->() const noexcept { return entry_; }
  /// Hands the reference over to the caller.
  entry* release() noexcept { return std::exchange(entry_, nullptr); }
  void swap(entry_ref& other) noexcept { std::swap(entry_, other.entry_); }

 private:
  entry* entry_ = nullptr;
};

/// Entries taken out of a shard, chained through their list links, holding the shard's
/// references, which it releases when destroyed.
class entry_list {
 public:
  entry_list() = default;
  entry_list(const entry_list&) = delete;
  entry_list& operator=(const entry_list&) = delete;
  ~entry_list() {
    while (head_ != nullptr) {
      auto* e = static_cast<entry*>(head_);
      head_ = e->next;
      e->release();
    }
  }

  /// Takes over the shard's reference to e, which must be unlinked from the shard's LRU list.
  void push(entry* e) noexcept {
    e->next = head_;
    head_ = e;
    if (tail_ == nullptr) tail_ = e;
  }
  /// Moves other's entries onto this list.
  void splice(entry_list& other) noexcept {
    if (other.head_ == nullptr) return;
    other.tail_->next = head_;
    head_ = std::exchange(other.head_, nullptr);
    if (tail_ == nullptr) tail_ = other.tail_;
    other.tail_ = nullptr;
  }
  [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }

 private:
  lru_hook* head_ = nullptr;
  lru_hook* tail_ = nullptr;
};

}  // namespace fast_cache::detail::memory
