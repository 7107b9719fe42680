// Tag invalidation, written once for cached() functions and routes: every tag has a version in
// the backend (`%tag:<tag>`, a random token), a value carries the versions of its tags from when
// its computation began, and a read fetches the value and its tags' versions in one batch call.
// Cache::invalidate_tags writes new versions, so every value carrying one of the tags stops
// matching, in every process sharing the backend, for one backend call per batch of tags.
#pragma once

#include <fast_cache/detail/cache_session.hpp>
#include <fast_cache/detail/random_token.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fast_cache::detail {

/// Tag version keys start with this: a key space of their own beside lock and route keys.
inline constexpr std::string_view tag_key_prefix = "%tag:";

/// The key of a tag's version: tag_key_prefix and the tag escaped (escape_key_part). Throws
/// Error(errc::invalid_argument) for an empty tag.
[[nodiscard]] std::string tag_key(std::string_view tag);
[[nodiscard]] std::vector<std::string> tag_keys(const std::vector<std::string>& tags);

/// Whether a value stored under `stored` versions still holds under the `current` ones: the same
/// number, each present and equal. A version that vanished (evicted) never matches again.
[[nodiscard]] bool tags_match(const std::vector<std::string>& stored,
                              const std::vector<std::optional<std::string>>& current) noexcept;

/// A read of a value and of its tags' versions.
struct tagged_read {
  std::optional<std::string> stored;
  /// One per tag key, nullopt where the tag has no version yet (or the read failed).
  std::vector<std::optional<std::string>> versions;
};

/// What versions_for_store does for one tag that had no version when read: a fresh version to
/// create, stored only where none is yet (set_if_absent), so a concurrent invalidation is never
/// overwritten.
struct version_to_create {
  std::size_t index;
  std::string key;
  std::string version;
};
[[nodiscard]] std::vector<version_to_create> versions_to_create(const std::vector<std::string>& tag_keys,
                                                                const std::vector<std::optional<std::string>>& current);

/// Fills `out` from a batch read of the session's key followed by `tags` tag keys (a failure
/// counts as a failed read: no value, no versions). `pending`, the bytes of a background store of
/// this process in flight under the key when the read began (looked up before it, as async_read
/// does: a store landing during the read would otherwise be in neither), is what is read.
void split_tagged_read(cache_session& s, const boost::system::error_code& ec,
                       std::vector<std::optional<std::string>> found, std::optional<std::string> pending,
                       tagged_read& out, std::size_t tags);
/// Versions known to be all present.
[[nodiscard]] std::vector<std::string> present_versions(std::vector<std::optional<std::string>> versions);

// ---- the sync driver ----

/// Reads the session's key and, in the same batch call, the versions under `tag_keys`.
tagged_read read_tagged(cache_session& s, const std::vector<std::string>& tag_keys);
/// The versions to store a value under: `current`, with versions created for tags that had none.
/// nullopt when one could not be created here (another caller created or invalidated it first,
/// the backend has no conditional writes, or failed): the value is then not stored, since it may
/// predate that invalidation.
std::optional<std::vector<std::string>> versions_for_store(cache_session& s, const std::vector<std::string>& tag_keys,
                                                           std::vector<std::optional<std::string>> current);

// ---- the async driver ----

template <class Executor>
boost::asio::awaitable<tagged_read, Executor> async_read_tagged(cache_session& s, std::vector<std::string> tag_keys) {
  tagged_read out;
  if (tag_keys.empty()) {
    out.stored = co_await async_read<Executor>(s);
    co_return out;
  }
  const std::size_t tags = tag_keys.size();
  std::vector<std::string> keys;
  keys.reserve(1 + tags);
  keys.push_back(s.key());
  for (std::string& k : tag_keys) keys.push_back(std::move(k));
  std::optional<std::string> pending = s.pending_store();
  constexpr auto token = boost::asio::as_tuple(boost::asio::use_awaitable_t<Executor>{});
  auto [ec, found] = co_await s.backend().async_get_many(std::move(keys), s.diag(), token);
  split_tagged_read(s, ec, std::move(found), std::move(pending), out, tags);
  co_return out;
}

template <class Executor>
boost::asio::awaitable<std::optional<std::vector<std::string>>, Executor> async_versions_for_store(
    cache_session& s, std::vector<std::string> tag_keys, std::vector<std::optional<std::string>> current) {
  std::vector<version_to_create> created = versions_to_create(tag_keys, current);
  constexpr auto token = boost::asio::as_tuple(boost::asio::use_awaitable_t<Executor>{});
  for (version_to_create& c : created) {
    if (!s.backend().supports_conditional_writes()) {
      auto [ec] = co_await s.backend().async_set(c.key, c.version, duration(0), s.diag(), token);
      s.store_finished(ec);
      co_return std::nullopt;
    }
    auto [ec, taken] = co_await s.backend().async_set_if_absent(c.key, c.version, duration(0), s.diag(), token);
    s.store_finished(ec);
    if (ec || !taken) co_return std::nullopt;
    current[c.index] = std::move(c.version);
  }
  co_return present_versions(std::move(current));
}

}  // namespace fast_cache::detail
