// lock_options: the stampede lock of a cached() function (cached_options::lock) or a cached HTTP
// route (route_options::lock).
#pragma once

#include <chrono>

namespace fast_cache {

/// The stampede lock of a cached() function or route: on a miss, one caller among every process
/// sharing the backend takes a lock in the backend (set_if_absent under `%lock:<key>`, the
/// holder's random token as its value) and runs the function; the others wait for its stored
/// result, looking again every 5 to 100 ms. The holder stores, then releases the lock (only its
/// own: erase_if_equal with its token). A backend failure on the way runs the function
/// (fail-open). On a backend without conditional writes the lock is this process's own.
struct lock_options {
  /// How long a lock lives: a holder that dies or hangs frees it when the lease ends. Make it
  /// longer than the function's slowest run: past it, another caller may run the function too.
  std::chrono::milliseconds lease{10'000};
  /// How long a caller waits for the holder's result before running the function itself
  /// (counted in cache_stats::lock_timeouts), so a slow or dead holder costs at most this.
  std::chrono::milliseconds wait{5'000};
};

}  // namespace fast_cache
