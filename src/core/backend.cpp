#include "core/continuation.hpp"

#include <fast_cache/backend.hpp>
#include <fast_cache/completion.hpp>

#include <memory>
#include <mutex>
#include <type_traits>
#include <variant>

namespace fast_cache {

void validate_key(std::string_view key) {
  if (key.empty()) throw Error(errc::invalid_argument, "cache key must not be empty");
}

value_with_ttl Backend::get_with_ttl(std::string_view key) { return value_with_ttl{get(key), time_left{}}; }

namespace {

// The default get_with_ttl's last step: get's answer, the time left unknown.
struct with_unknown_ttl {
  void operator()(get_with_ttl_handler handler, boost::system::error_code ec, std::optional<std::string> value) const {
    std::move(handler)(ec, value_with_ttl{std::move(value), time_left{}});
  }
};

}  // namespace

void Backend::do_async_get_with_ttl(std::string key, diagnostics* diag, get_with_ttl_handler handler) {
  do_async_get(std::move(key), diag, detail::then(std::move(handler), with_unknown_ttl{}));
}

std::vector<std::optional<std::string>> Backend::get_many(std::span<const std::string> keys) {
  std::vector<std::optional<std::string>> values;
  values.reserve(keys.size());
  for (const auto& key : keys) values.push_back(get(key));
  return values;
}

void Backend::set_many(std::span<const item> items, expiry expire) {
  for (const auto& [key, value] : items) set(key, value, expire);
}

void Backend::erase_many(std::span<const std::string> keys) {
  for (const auto& key : keys) erase(key);
}

namespace {

Error unsupported(const Backend& b, std::string_view operation) {
  return Error(errc::unsupported,
               std::string(operation) + " is not supported by the backend of namespace \"" + b.namespace_name() + "\"");
}

}  // namespace

bool Backend::try_get_now(std::string_view, std::optional<std::string>&) { return false; }

bool Backend::set_if_absent(std::string_view, std::string_view, expiry) { throw unsupported(*this, "set_if_absent"); }

bool Backend::erase_if_equal(std::string_view, std::string_view) { throw unsupported(*this, "erase_if_equal"); }

void Backend::do_async_set_if_absent(std::string, std::string, expiry, diagnostics* diag, has_handler handler) {
  post_completion(std::move(handler),
                  error_code_from(std::make_exception_ptr(unsupported(*this, "set_if_absent")), diag), false);
}

void Backend::do_async_erase_if_equal(std::string, std::string, diagnostics* diag, has_handler handler) {
  post_completion(std::move(handler),
                  error_code_from(std::make_exception_ptr(unsupported(*this, "erase_if_equal")), diag), false);
}

namespace {

// Gathers the completions of n concurrent single-key operations into one; the first failure wins,
// and only its diagnosis reaches the caller's diagnostics.
template <class Result>
struct fan_out {
  using handler_type = std::conditional_t<std::is_void_v<Result>, done_handler, get_many_handler>;
  std::mutex mutex;
  std::size_t remaining;
  boost::system::error_code error;
  diagnostics* caller_diag;
  std::vector<diagnostics> part_diags;  // one per part: parts complete concurrently
  [[no_unique_address]] std::conditional_t<std::is_void_v<Result>, std::monostate,
                                           std::vector<std::optional<std::string>>>
      values;
  handler_type handler;

  fan_out(std::size_t n, diagnostics* diag, handler_type h)
      : remaining(n), caller_diag(diag), part_diags(diag ? n : 0), handler(std::move(h)) {
    if constexpr (!std::is_void_v<Result>) values.resize(n);
  }

  diagnostics* diag_of(std::size_t index) { return caller_diag ? &part_diags[index] : nullptr; }

  void finish_one(std::size_t index, boost::system::error_code ec) {
    std::unique_lock lock(mutex);
    if (ec && !error) {
      error = ec;
      if (caller_diag) *caller_diag = std::move(part_diags[index]);
    }
    if (--remaining != 0) return;
    lock.unlock();
    if constexpr (std::is_void_v<Result>) {
      post_completion(std::move(handler), error);
    } else {
      post_completion(std::move(handler), error, std::move(values));
    }
  }
};

struct get_part {
  std::shared_ptr<fan_out<std::string>> state;
  std::size_t index;
  void operator()(boost::system::error_code ec, std::optional<std::string> value) const {
    if (!ec) state->values[index] = std::move(value);  // each index is written by one part only
    state->finish_one(index, ec);
  }
};

struct done_part {
  std::shared_ptr<fan_out<void>> state;
  std::size_t index;
  void operator()(boost::system::error_code ec) const { state->finish_one(index, ec); }
};

}  // namespace

void Backend::do_async_get_many(std::vector<std::string> keys, diagnostics* diag, get_many_handler handler) {
  if (keys.empty())
    return post_completion(std::move(handler), boost::system::error_code{}, std::vector<std::optional<std::string>>{});
  auto state = std::make_shared<fan_out<std::string>>(keys.size(), diag, std::move(handler));
  for (std::size_t i = 0; i < keys.size(); ++i) do_async_get(std::move(keys[i]), state->diag_of(i), get_part{state, i});
}

void Backend::do_async_set_many(std::vector<item> items, expiry expire, diagnostics* diag, done_handler handler) {
  if (items.empty()) return post_completion(std::move(handler), boost::system::error_code{});
  auto state = std::make_shared<fan_out<void>>(items.size(), diag, std::move(handler));
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto& [key, value] = items[i];
    do_async_set(std::move(key), std::move(value), expire, state->diag_of(i), done_part{state, i});
  }
}

void Backend::do_async_erase_many(std::vector<std::string> keys, diagnostics* diag, done_handler handler) {
  if (keys.empty()) return post_completion(std::move(handler), boost::system::error_code{});
  auto state = std::make_shared<fan_out<void>>(keys.size(), diag, std::move(handler));
  for (std::size_t i = 0; i < keys.size(); ++i)
    do_async_erase(std::move(keys[i]), state->diag_of(i), done_part{state, i});
}

}  // namespace fast_cache
