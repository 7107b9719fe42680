#include <fast_cache/detail/stampede_lock.hpp>

#include <array>
#include <cstdint>
#include <random>

namespace fast_cache::detail {

std::string new_lock_token() {
  // Seeded once per thread from the system's entropy: tokens of different processes and threads
  // never meet, and drawing one costs no system call.
  thread_local std::mt19937_64 random = [] {
    std::random_device entropy;
    std::seed_seq seed{entropy(), entropy(), entropy(), entropy()};
    return std::mt19937_64(seed);
  }();
  constexpr char hex[] = "0123456789abcdef";
  std::string token;
  token.reserve(32);
  for (int half = 0; half < 2; ++half) {
    std::uint64_t bits = random();
    for (int i = 0; i < 16; ++i, bits >>= 4) token.push_back(hex[bits & 0xf]);
  }
  return token;
}

namespace {

// Tries to take the lock once: whether taken; nullopt when the backend failed.
std::optional<bool> try_take_lock(cache_session& s, const std::string& token, std::chrono::milliseconds lease) {
  if (!s.backend().supports_conditional_writes()) return s.local_lock(token, lease);
  try {
    return s.lock_finished({}, s.backend().set_if_absent(lock_key(s.key()), token, lease));
  } catch (...) {
    return s.lock_finished(error_code_from(std::current_exception(), &s.diag()), false);
  }
}

}  // namespace

lock_outcome lock_or_wait(cache_session& s, const lock_options& options) {
  std::string token = new_lock_token();
  lock_schedule schedule(options.wait, lock_schedule::clock::now());
  for (;;) {
    const std::optional<bool> taken = try_take_lock(s, token, options.lease);
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
