// Epoch-based reclamation: a shard's readers probe its table without the shard's lock, so what a
// writer unlinks (an entry, an outgrown table) is freed only once no reader can still hold it.
#pragma once

#include <atomic>
#include <cstdint>

namespace fast_cache::detail::memory::epoch {

/// The announcement of one thread, on a cache line of its own: the global epoch it read when its
/// outermost read section began, or 0 outside one.
struct alignas(64) reader_record {
  std::atomic<std::uint64_t> epoch{0};
  std::atomic<bool> taken{true};
  std::uint32_t depth = 0;        // read sections open on the owning thread; only it touches this
  reader_record* next = nullptr;  // the registry's list; records are reused, never freed
};

/// Starts at 1, so 0 can mean "not reading".
inline std::atomic<std::uint64_t> global{1};

/// The calling thread's record, or nullptr before its first read section. A plain pointer, so
/// reaching it costs one thread-local load and no initialisation check.
inline thread_local reader_record* current_record = nullptr;

/// Registers the calling thread (reusing the record of a thread that ended) and returns its record.
/// The first read section of a thread allocates its record (64 bytes); failing that terminates.
reader_record* claim_record() noexcept;

/// A read section: what the thread loads from a shard's table inside it stays allocated until the
/// section ends. Sections nest (a read inside one, say by an injected clock reading another
/// cache, must not end the outer one's protection), and only the outermost one announces itself:
/// a load of the shared, rarely written epoch, then a store and one full fence on the thread's own
/// cache line, where the shard lock's exchange bounced one line between all reading cores.
class read_section {
 public:
  read_section() noexcept {
    reader_record* r = current_record;
    if (r == nullptr) [[unlikely]]
      r = claim_record();
    record_ = r;
    if (r->depth++ != 0) return;
    // Release, so that a scan reading this announcement also sees the end of the thread's last
    // section: a later relaxed store would not carry that section's release along.
    r->epoch.store(global.load(std::memory_order_seq_cst), std::memory_order_release);
    // The announcement must be visible before the table is read: a writer that unlinks after
    // this fence sees it when it scans (try_advance), and one that unlinked before is seen here.
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
  ~read_section() {
    if (--record_->depth == 0) record_->epoch.store(0, std::memory_order_release);
  }
  read_section(const read_section&) = delete;
  read_section& operator=(const read_section&) = delete;

 private:
  reader_record* record_;
};

/// The epoch to tag what the caller just unlinked with; called after the unlinking stores.
[[nodiscard]] inline std::uint64_t retire_epoch() noexcept {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return global.load(std::memory_order_seq_cst);
}

/// Whether what was retired in epoch `retired` can be freed: the global epoch has moved on twice
/// since, and it moves on only when every thread in a read section has seen the current epoch,
/// so every section that began before the retirement has ended.
[[nodiscard]] inline bool reclaimable(std::uint64_t retired) noexcept {
  return global.load(std::memory_order_acquire) >= retired + 2;
}

/// Moves the global epoch on when every thread in a read section has announced the current one.
/// Scans every registered thread's record: writers call it now and then, not on every write.
void try_advance() noexcept;

/// Waits until what was retired in epoch `retired` can be freed, moving the epoch on meanwhile:
/// for rare writes (clear, close, growth, a large entry removed) that free much at once. Never inside a read section,
/// nor under a shard's lock, which a reader may wait for.
void synchronize(std::uint64_t retired) noexcept;

}  // namespace fast_cache::detail::memory::epoch
