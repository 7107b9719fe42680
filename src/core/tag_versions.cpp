#include <fast_cache/detail/tag_versions.hpp>
#include <fast_cache/key.hpp>

namespace fast_cache::detail {

std::string tag_key(std::string_view tag) {
  if (tag.empty()) throw Error(errc::invalid_argument, "a cache tag must not be empty");
  std::string key(tag_key_prefix);
  key += escape_key_part(tag);
  return key;
}

std::vector<std::string> tag_keys(const std::vector<std::string>& tags) {
  std::vector<std::string> keys;
  keys.reserve(tags.size());
  for (const std::string& tag : tags) keys.push_back(tag_key(tag));
  return keys;
}

bool tags_match(const std::vector<std::string>& stored,
                const std::vector<std::optional<std::string>>& current) noexcept {
  if (stored.size() != current.size()) return false;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (!current[i] || *current[i] != stored[i]) return false;
  }
  return true;
}

std::vector<version_to_create> versions_to_create(const std::vector<std::string>& tag_keys,
                                                  const std::vector<std::optional<std::string>>& current) {
  std::vector<version_to_create> out;
  for (std::size_t i = 0; i < tag_keys.size(); ++i) {
    if (i >= current.size() || !current[i]) out.push_back({i, tag_keys[i], random_token()});
  }
  return out;
}

void split_tagged_read(cache_session& s, const boost::system::error_code& ec,
                       std::vector<std::optional<std::string>> found, std::optional<std::string> pending,
                       tagged_read& out, std::size_t tags) {
  out.versions.assign(tags, std::nullopt);
  if (ec || found.size() != 1 + tags) {
    out.stored = s.read_finished(ec ? ec : make_error_code(errc::internal), std::nullopt);
    return;
  }
  for (std::size_t i = 0; i < tags; ++i) out.versions[i] = std::move(found[1 + i]);
  out.stored = pending ? std::move(pending) : s.read_finished({}, std::move(found[0]));
}

std::vector<std::string> present_versions(std::vector<std::optional<std::string>> versions) {
  std::vector<std::string> out;
  out.reserve(versions.size());
  for (std::optional<std::string>& v : versions) out.push_back(std::move(*v));
  return out;
}

tagged_read read_tagged(cache_session& s, const std::vector<std::string>& tag_keys) {
  tagged_read out;
  if (tag_keys.empty()) {
    out.stored = read(s);
    return out;
  }
  std::vector<std::string> keys;
  keys.reserve(1 + tag_keys.size());
  keys.push_back(s.key());
  keys.insert(keys.end(), tag_keys.begin(), tag_keys.end());
  std::optional<std::string> pending = s.pending_store();
  boost::system::error_code ec;
  std::vector<std::optional<std::string>> found;
  try {
    found = s.backend().get_many(keys);
  } catch (...) {
    ec = error_code_from(std::current_exception(), &s.diag());
  }
  split_tagged_read(s, ec, std::move(found), std::move(pending), out, tag_keys.size());
  return out;
}

std::optional<std::vector<std::string>> versions_for_store(cache_session& s, const std::vector<std::string>& tag_keys,
                                                           std::vector<std::optional<std::string>> current) {
  for (version_to_create& c : versions_to_create(tag_keys, current)) {
    boost::system::error_code ec;
    bool taken = false;
    try {
      if (s.backend().supports_conditional_writes()) {
        taken = s.backend().set_if_absent(c.key, c.version, duration(0));
      } else {
        s.backend().set(c.key, c.version, duration(0));
      }
    } catch (...) {
      ec = error_code_from(std::current_exception(), &s.diag());
    }
    s.store_finished(ec);
    if (!taken) return std::nullopt;
    current[c.index] = std::move(c.version);
  }
  return present_versions(std::move(current));
}

}  // namespace fast_cache::detail
