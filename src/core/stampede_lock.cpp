#include <fast_cache/detail/stampede_lock.hpp>

namespace fast_cache::detail {

std::optional<bool> try_lock_once(cache_session& s, const std::string& token, std::chrono::milliseconds lease) {
  if (!s.backend().supports_conditional_writes()) return s.local_lock(token, lease);
  try {
    return s.lock_finished({}, s.backend().set_if_absent(lock_key(s.key()), token, lease));
  } catch (...) {
    return s.lock_finished(error_code_from(std::current_exception(), &s.diag()), false);
  }
}

lock_outcome lock_or_wait(cache_session& s, const lock_options& options) {
  std::string token = random_token();
  lock_schedule schedule(options.wait, lock_schedule::clock::now());
  for (;;) {
    const std::optional<bool> taken = try_lock_once(s, token, options.lease);
    if (!taken) return {};
    if (*taken) {
      // The previous holder may have stored and released between this caller's miss and now.
      if (std::optional<std::string> stored = read(s)) {
        release_lock(s, token);
        return found_stored(std::move(stored));
      }
      s.lock_taken();
      return holding(std::move(token));
    }
    const std::optional<std::chrono::milliseconds> pause = schedule.next_pause(lock_schedule::clock::now());
    if (!pause) {
      s.lock_wait_ran_out();
      return {};
    }
    std::this_thread::sleep_for(*pause);
    if (std::optional<std::string> stored = read(s)) {
      s.lock_waited();
      return found_stored(std::move(stored));
    }
  }
}

void release_lock(cache_session& s, const std::string& token) {
  if (!s.backend().supports_conditional_writes()) return s.local_unlock(token);
  try {
    (void)s.backend().erase_if_equal(lock_key(s.key()), token);
    s.unlock_finished({});
  } catch (...) {
    s.unlock_finished(error_code_from(std::current_exception(), &s.diag()));
  }
}

}  // namespace fast_cache::detail
