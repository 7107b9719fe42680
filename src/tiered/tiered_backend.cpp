#include "tiered/invalidation_message.hpp"
#include "tiered/l1_policy.hpp"
#include "tiered/near_cache.hpp"

#include "core/continuation.hpp"

#include <fast_cache/completion.hpp>
#include <fast_cache/tiered_backend.hpp>

#include <atomic>
#include <chrono>
#include <exception>

namespace fast_cache {

using detail::then;
using detail::tiered::near_cache;
using steady_clock = std::chrono::steady_clock;

struct TieredBackend::state {
  state(TieredOptions& o, InMemoryOptions l1_options)
      : l2(std::move(o.l2)),
        max_staleness(o.max_staleness),
        bus(std::move(o.invalidations)),
        sender(detail::tiered::new_sender_id()),
        // With a bus, L1 waits for the subscription: what changed before it is unknown.
        l1(std::move(l1_options), bus == nullptr) {}

  std::shared_ptr<Backend> l2;
  duration max_staleness;
  std::shared_ptr<invalidation_bus> bus;
  std::string sender;
  near_cache l1;
  std::atomic<std::uint64_t> hits{0}, misses{0}, invalidations{0};
  std::atomic<bool> closed{false};

  // L1's answer, counted.
  std::optional<std::string> look(std::string_view key) {
    std::optional<std::string> hit = l1.lookup(key);
    (hit ? hits : misses).fetch_add(1, std::memory_order_relaxed);
    return hit;
  }

  // Keeps what a read of L2 begun at `started` answered, if it may.
  void keep_read(const near_cache::ticket& t, std::string_view key, const value_with_ttl& read,
                 steady_clock::time_point started) {
    if (!read.value) return;
    if (const auto lifetime = detail::tiered::l1_lifetime(read.ttl, max_staleness, steady_clock::now() - started))
      l1.fill(t, key, *read.value, *lifetime);
  }

  // The message telling other processes of a change, or nothing when there is no one to tell.
  [[nodiscard]] std::optional<std::string> news_of(std::span<const std::string> keys) const {
    if (!bus || keys.empty()) return std::nullopt;
    return detail::tiered::keys_message(sender, keys);
  }
  [[nodiscard]] std::optional<std::string> news_of_clear() const {
    if (!bus) return std::nullopt;
    return detail::tiered::clear_message(sender);
  }

  // Tells them before the change's caller goes on. L2 made the change, so a failure to tell is
  // not the caller's failure: L2's stats() count it, and the other processes' L1 are bounded by
  // max_staleness (or have lost their subscription too, and bypass L1).
  void tell(std::optional<std::string> news) {
    if (!news) return;
    try {
      bus->publish(std::move(*news));
    } catch (const Error&) {
    }
  }
};

namespace {

using state_ptr = std::shared_ptr<TieredBackend::state>;

// The failure of a call refused before it began: closed, or a bad key.
std::exception_ptr closed_error(const TieredBackend::state& s) {
  if (!s.closed.load(std::memory_order_acquire)) return nullptr;
  return std::make_exception_ptr(Error(errc::closed, "tiered backend is closed"));
}
std::exception_ptr refusal(const TieredBackend::state& s, std::string_view key) {
  if (auto e = closed_error(s)) return e;
  try {
    validate_key(key);
  } catch (...) {
    return std::current_exception();
  }
  return nullptr;
}
std::exception_ptr refusal(const TieredBackend::state& s, std::span<const std::string> keys) {
  for (const std::string& key : keys) {
    if (auto e = refusal(s, key)) return e;
  }
  return closed_error(s);
}
void throw_if_refused(const std::exception_ptr& e) {
  if (e) std::rethrow_exception(e);
}

template <class Handler, class... Empty>
void fail(Handler handler, diagnostics* diag, const std::exception_ptr& e, Empty&&... empty) {
  post_completion(std::move(handler), error_code_from(e, diag), std::forward<Empty>(empty)...);
}

// L2's initiating functions take the caller's diagnostics by reference, when there is one.
template <class Call>
void with_diag(diagnostics* diag, Call&& call) {
  if (diag != nullptr) {
    call(*diag);
  } else {
    call();
  }
}

std::vector<std::string> keys_of(std::span<const item> items) {
  std::vector<std::string> keys;
  keys.reserve(items.size());
  for (const auto& entry : items) keys.push_back(entry.first);
  return keys;
}

// A change of keys in L2 and its effect on L1: the keys leave L1 before L2 is asked, and when
// L2 changed, the values written come back into L1 (when they have a known lifetime) and other
// processes are told.
class change {
 public:
  explicit change(expiry expire) : written_(detail::tiered::written_time_left(expire)) {}

  /// key will hold value (nullopt: be gone) once L2 changed.
  void add(TieredBackend::state& s, std::string key, std::optional<std::string> value) {
    if (detail::tiered::bypasses_l1(key)) return;
    tickets_.push_back(s.l1.begin_write(key));
    keys_.push_back(std::move(key));
    values_.push_back(std::move(value));
  }

  /// `changed`: L2 succeeded and made the change (a conditional write may not have).
  void end(TieredBackend::state& s, bool changed) const {
    std::optional<duration> lifetime;
    if (changed && written_)
      lifetime = detail::tiered::l1_lifetime(*written_, s.max_staleness, steady_clock::now() - started_);
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      const std::optional<std::string_view> value =
          changed && values_[i] ? std::optional<std::string_view>(*values_[i]) : std::nullopt;
      s.l1.end_write(tickets_[i], keys_[i], value, lifetime);
    }
  }

  [[nodiscard]] const std::vector<std::string>& keys() const noexcept { return keys_; }

 private:
  std::optional<time_left> written_;
  steady_clock::time_point started_ = steady_clock::now();
  std::vector<std::string> keys_;
  std::vector<std::optional<std::string>> values_;
  std::vector<near_cache::ticket> tickets_;
};

// Runs a sync L2 write inside a change; `changed` tells from its result whether L2 changed.
template <class Write, class Changed>
auto through(TieredBackend::state& s, change& c, Write&& write, Changed&& changed) {
  try {
    if constexpr (std::is_void_v<decltype(write())>) {
      write();
      const bool did = changed();
      c.end(s, did);
      if (did) s.tell(s.news_of(c.keys()));
    } else {
      auto result = write();
      const bool did = changed(result);
      c.end(s, did);
      if (did) s.tell(s.news_of(c.keys()));
      return result;
    }
  } catch (...) {
    c.end(s, false);
    throw;
  }
}
constexpr auto always = [](auto&&...) { return true; };
constexpr auto as_answered = [](bool r) { return r; };

// ---- the last steps of async calls, after L2 answered ----

struct after_read {
  state_ptr s;
  std::string key;
  near_cache::ticket ticket;
  steady_clock::time_point started;
  void operator()(get_handler handler, boost::system::error_code ec, value_with_ttl read) const {
    if (!ec) s->keep_read(ticket, key, read, started);
    std::move(handler)(ec, std::move(read.value));
  }
};

// After the other processes were told (see state::tell): the change's own outcome, a success.
struct after_telling {
  void operator()(done_handler handler, boost::system::error_code /*told*/) const {
    std::move(handler)(boost::system::error_code{});
  }
};
struct after_telling_answer {
  bool answer;
  void operator()(has_handler handler, boost::system::error_code /*told*/) const {
    std::move(handler)(boost::system::error_code{}, answer);
  }
};

struct after_change {
  state_ptr s;
  std::shared_ptr<change> c;
  void operator()(done_handler handler, boost::system::error_code ec) const {
    c->end(*s, !ec);
    std::optional<std::string> news = ec ? std::nullopt : s->news_of(c->keys());
    if (!news) return std::move(handler)(ec);
    s->bus->async_publish(std::move(*news), then(std::move(handler), after_telling{}));
  }
  void operator()(has_handler handler, boost::system::error_code ec, bool changed) const {
    c->end(*s, !ec && changed);
    std::optional<std::string> news = ec || !changed ? std::nullopt : s->news_of(c->keys());
    if (!news) return std::move(handler)(ec, changed);
    s->bus->async_publish(std::move(*news), then(std::move(handler), after_telling_answer{changed}));
  }
};

struct after_clear {
  state_ptr s;
  void operator()(done_handler handler, boost::system::error_code ec) const {
    s->l1.invalidate_all();  // reads that began before L2 was cleared may have kept old values
    std::optional<std::string> news = ec ? std::nullopt : s->news_of_clear();
    if (!news) return std::move(handler)(ec);
    s->bus->async_publish(std::move(*news), then(std::move(handler), after_telling{}));
  }
};

// get_many: L1's answers, then L2's for the positions L1 could not answer.
struct after_get_many {
  std::vector<std::optional<std::string>> values;
  std::vector<std::size_t> positions;
  void operator()(get_many_handler handler, boost::system::error_code ec,
                  std::vector<std::optional<std::string>> from_l2) {
    if (!ec) {
      for (std::size_t i = 0; i < positions.size() && i < from_l2.size(); ++i)
        values[positions[i]] = std::move(from_l2[i]);
    }
    std::move(handler)(ec, ec ? std::vector<std::optional<std::string>>{} : std::move(values));
  }
};

// L1's part of get_many: fills `values` where L1 answers, and returns the keys it did not.
std::vector<std::string> answer_from_l1(TieredBackend::state& s, std::span<const std::string> keys,
                                        std::vector<std::optional<std::string>>& values,
                                        std::vector<std::size_t>& positions) {
  values.assign(keys.size(), std::nullopt);
  std::vector<std::string> missing;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!detail::tiered::bypasses_l1(keys[i])) {
      if (auto hit = s.look(keys[i])) {
        values[i] = std::move(hit);
        continue;
      }
    }
    missing.push_back(keys[i]);
    positions.push_back(i);
  }
  return missing;
}

// ---- invalidations from other processes ----

struct on_message {
  std::weak_ptr<TieredBackend::state> weak;
  void operator()(std::string_view message) const {
    const auto s = weak.lock();
    if (!s) return;
    const auto parsed = detail::tiered::parse_message(message);
    switch (detail::tiered::react(parsed, s->sender)) {
      case detail::tiered::reaction::ignore:
        return;
      case detail::tiered::reaction::drop_keys:
        for (const std::string& key : parsed->keys) s->l1.invalidate(key);
        break;
      case detail::tiered::reaction::drop_all:
        s->l1.invalidate_all();
        break;
    }
    s->invalidations.fetch_add(1, std::memory_order_relaxed);
  }
};

struct on_subscription {
  std::weak_ptr<TieredBackend::state> weak;
  void operator()(bool subscribed) const {
    if (const auto s = weak.lock()) s->l1.set_enabled(subscribed);
  }
};

InMemoryOptions l1_options_for(const TieredOptions& o) {
  const auto invalid = [](const std::string& why) { throw Error(errc::invalid_argument, "TieredOptions: " + why); };
  if (!o.l2) invalid("l2 is required");
  if (dynamic_cast<const TieredBackend*>(o.l2.get()) != nullptr) invalid("l2 must not be another TieredBackend");
  if (o.max_staleness.count() <= 0) invalid("max_staleness must be positive");
  InMemoryOptions l1 = o.l1;
  l1.namespace_ = o.l2->namespace_name();
  l1.default_expire = std::nullopt;  // every value L1 keeps is given its own lifetime
  return l1;
}

}  // namespace

TieredBackend::TieredBackend(TieredOptions options) {
  InMemoryOptions l1 = l1_options_for(options);
  state_ = std::make_shared<state>(options, std::move(l1));
  if (state_->bus) state_->bus->listen({on_message{state_}, on_subscription{state_}});
}

// L2 may be shared with other users: only close() closes it.
TieredBackend::~TieredBackend() {
  if (state_->bus) state_->bus->close();
}

void TieredBackend::close() {
  state& s = *state_;
  if (s.closed.exchange(true)) return;
  if (s.bus) s.bus->close();
  s.l1.close();
  s.l2->close();
}

const std::string& TieredBackend::namespace_name() const noexcept { return state_->l2->namespace_name(); }

bool TieredBackend::supports_conditional_writes() const noexcept { return state_->l2->supports_conditional_writes(); }

backend_stats TieredBackend::stats() const {
  backend_stats out = state_->l2->stats();
  out.l1_hits = state_->hits.load(std::memory_order_relaxed);
  out.l1_misses = state_->misses.load(std::memory_order_relaxed);
  out.invalidations_received = state_->invalidations.load(std::memory_order_relaxed);
  return out;
}

// ---- sync API ----

std::optional<std::string> TieredBackend::get(std::string_view key) {
  state& s = *state_;
  throw_if_refused(refusal(s, key));
  if (detail::tiered::bypasses_l1(key)) return s.l2->get(key);
  if (auto hit = s.look(key)) return hit;
  const auto started = steady_clock::now();
  const near_cache::ticket t = s.l1.before_read(key);
  value_with_ttl read = s.l2->get_with_ttl(key);
  s.keep_read(t, key, read, started);
  return std::move(read.value);
}

bool TieredBackend::try_get_now(std::string_view key, std::optional<std::string>& out) {
  state& s = *state_;
  if (refusal(s, key) || detail::tiered::bypasses_l1(key)) return false;
  std::optional<std::string> hit = s.l1.lookup(key);
  if (!hit) return false;  // counted as a miss by the read that goes on to L2
  s.hits.fetch_add(1, std::memory_order_relaxed);
  out = std::move(hit);
  return true;
}

bool TieredBackend::has(std::string_view key) {
  state& s = *state_;
  throw_if_refused(refusal(s, key));
  if (!detail::tiered::bypasses_l1(key)) {
    const bool held = s.l1.contains(key);
    (held ? s.hits : s.misses).fetch_add(1, std::memory_order_relaxed);
    if (held) return true;
  }
  return s.l2->has(key);
}

void TieredBackend::set(std::string_view key, std::string_view value, expiry expire) {
  state& s = *state_;
  throw_if_refused(refusal(s, key));
  change c(expire);
  c.add(s, std::string(key), std::string(value));
  through(
      s, c, [&] { s.l2->set(key, value, expire); }, always);
}

void TieredBackend::erase(std::string_view key) {
  state& s = *state_;
  throw_if_refused(refusal(s, key));
  change c(std::nullopt);
  c.add(s, std::string(key), std::nullopt);
  through(
      s, c, [&] { s.l2->erase(key); }, always);
}

void TieredBackend::clear() {
  state& s = *state_;
  throw_if_refused(closed_error(s));
  s.l1.invalidate_all();
  try {
    s.l2->clear();
  } catch (...) {
    s.l1.invalidate_all();
    throw;
  }
  s.l1.invalidate_all();  // reads that began before L2 was cleared may have kept old values
  s.tell(s.news_of_clear());
}

bool TieredBackend::set_if_absent(std::string_view key, std::string_view value, expiry expire) {
  state& s = *state_;
  throw_if_refused(refusal(s, key));
  change c(expire);
  c.add(s, std::string(key), std::string(value));
  return through(
      s, c, [&] { return s.l2->set_if_absent(key, value, expire); }, as_answered);
}

bool TieredBackend::erase_if_equal(std::string_view key, std::string_view value) {
  state& s = *state_;
  throw_if_refused(refusal(s, key));
  change c(std::nullopt);
  c.add(s, std::string(key), std::nullopt);
  return through(
      s, c, [&] { return s.l2->erase_if_equal(key, value); }, as_answered);
}

std::vector<std::optional<std::string>> TieredBackend::get_many(std::span<const std::string> keys) {
  state& s = *state_;
  throw_if_refused(refusal(s, keys));
  std::vector<std::optional<std::string>> values;
  std::vector<std::size_t> positions;
  const std::vector<std::string> missing = answer_from_l1(s, keys, values, positions);
  if (!missing.empty()) {
    std::vector<std::optional<std::string>> from_l2 = s.l2->get_many(missing);
    for (std::size_t i = 0; i < positions.size(); ++i) values[positions[i]] = std::move(from_l2[i]);
  }
  return values;
}

void TieredBackend::set_many(std::span<const item> items, expiry expire) {
  state& s = *state_;
  throw_if_refused(refusal(s, keys_of(items)));
  change c(expire);
  for (const auto& [key, value] : items) c.add(s, key, value);
  through(
      s, c, [&] { s.l2->set_many(items, expire); }, always);
}

void TieredBackend::erase_many(std::span<const std::string> keys) {
  state& s = *state_;
  throw_if_refused(refusal(s, keys));
  change c(std::nullopt);
  for (const std::string& key : keys) c.add(s, key, std::nullopt);
  through(
      s, c, [&] { s.l2->erase_many(keys); }, always);
}

// ---- async API: L1's part at once (it takes well under a microsecond), L2's with its own
// initiating functions, ending in a step that updates L1 before the caller's handler runs ----

void TieredBackend::do_async_get(std::string key, diagnostics* diag, get_handler handler) {
  state& s = *state_;
  if (auto e = refusal(s, key)) return fail(std::move(handler), diag, e, std::optional<std::string>{});
  if (detail::tiered::bypasses_l1(key))
    return with_diag(diag, [&](auto&... d) { s.l2->async_get(std::move(key), d..., std::move(handler)); });
  if (auto hit = s.look(key)) return post_completion(std::move(handler), boost::system::error_code{}, std::move(hit));
  const near_cache::ticket t = s.l1.before_read(key);
  after_read step{state_, key, t, steady_clock::now()};
  with_diag(diag, [&](auto&... d) {
    s.l2->async_get_with_ttl(std::move(key), d..., then(std::move(handler), std::move(step)));
  });
}

void TieredBackend::do_async_has(std::string key, diagnostics* diag, has_handler handler) {
  state& s = *state_;
  if (auto e = refusal(s, key)) return fail(std::move(handler), diag, e, false);
  if (!detail::tiered::bypasses_l1(key)) {
    const bool held = s.l1.contains(key);
    (held ? s.hits : s.misses).fetch_add(1, std::memory_order_relaxed);
    if (held) return post_completion(std::move(handler), boost::system::error_code{}, true);
  }
  with_diag(diag, [&](auto&... d) { s.l2->async_has(std::move(key), d..., std::move(handler)); });
}

void TieredBackend::do_async_set(std::string key, std::string value, expiry expire, diagnostics* diag,
                                 done_handler handler) {
  state& s = *state_;
  if (auto e = refusal(s, key)) return fail(std::move(handler), diag, e);
  auto c = std::make_shared<change>(expire);
  c->add(s, key, value);
  with_diag(diag, [&](auto&... d) {
    s.l2->async_set(std::move(key), std::move(value), expire, d...,
                    then(std::move(handler), after_change{state_, std::move(c)}));
  });
}

void TieredBackend::do_async_erase(std::string key, diagnostics* diag, done_handler handler) {
  state& s = *state_;
  if (auto e = refusal(s, key)) return fail(std::move(handler), diag, e);
  auto c = std::make_shared<change>(std::nullopt);
  c->add(s, key, std::nullopt);
  with_diag(diag, [&](auto&... d) {
    s.l2->async_erase(std::move(key), d..., then(std::move(handler), after_change{state_, std::move(c)}));
  });
}

void TieredBackend::do_async_clear(diagnostics* diag, done_handler handler) {
  state& s = *state_;
  if (auto e = closed_error(s)) return fail(std::move(handler), diag, e);
  s.l1.invalidate_all();
  with_diag(diag, [&](auto&... d) { s.l2->async_clear(d..., then(std::move(handler), after_clear{state_})); });
}

void TieredBackend::do_async_set_if_absent(std::string key, std::string value, expiry expire, diagnostics* diag,
                                           has_handler handler) {
  state& s = *state_;
  if (auto e = refusal(s, key)) return fail(std::move(handler), diag, e, false);
  auto c = std::make_shared<change>(expire);
  c->add(s, key, value);
  with_diag(diag, [&](auto&... d) {
    s.l2->async_set_if_absent(std::move(key), std::move(value), expire, d...,
                              then(std::move(handler), after_change{state_, std::move(c)}));
  });
}

void TieredBackend::do_async_erase_if_equal(std::string key, std::string value, diagnostics* diag,
                                            has_handler handler) {
  state& s = *state_;
  if (auto e = refusal(s, key)) return fail(std::move(handler), diag, e, false);
  auto c = std::make_shared<change>(std::nullopt);
  c->add(s, key, std::nullopt);
  with_diag(diag, [&](auto&... d) {
    s.l2->async_erase_if_equal(std::move(key), std::move(value), d...,
                               then(std::move(handler), after_change{state_, std::move(c)}));
  });
}

void TieredBackend::do_async_get_many(std::vector<std::string> keys, diagnostics* diag, get_many_handler handler) {
  state& s = *state_;
  if (auto e = refusal(s, keys)) return fail(std::move(handler), diag, e, std::vector<std::optional<std::string>>{});
  after_get_many step;
  std::vector<std::string> missing = answer_from_l1(s, keys, step.values, step.positions);
  if (missing.empty()) return post_completion(std::move(handler), boost::system::error_code{}, std::move(step.values));
  with_diag(diag, [&](auto&... d) {
    s.l2->async_get_many(std::move(missing), d..., then(std::move(handler), std::move(step)));
  });
}

void TieredBackend::do_async_set_many(std::vector<item> items, expiry expire, diagnostics* diag, done_handler handler) {
  state& s = *state_;
  if (auto e = refusal(s, keys_of(items))) return fail(std::move(handler), diag, e);
  auto c = std::make_shared<change>(expire);
  for (const auto& [key, value] : items) c->add(s, key, value);
  with_diag(diag, [&](auto&... d) {
    s.l2->async_set_many(std::move(items), expire, d..., then(std::move(handler), after_change{state_, std::move(c)}));
  });
}

void TieredBackend::do_async_erase_many(std::vector<std::string> keys, diagnostics* diag, done_handler handler) {
  state& s = *state_;
  if (auto e = refusal(s, keys)) return fail(std::move(handler), diag, e);
  auto c = std::make_shared<change>(std::nullopt);
  for (const std::string& key : keys) c->add(s, key, std::nullopt);
  with_diag(diag, [&](auto&... d) {
    s.l2->async_erase_many(std::move(keys), d..., then(std::move(handler), after_change{state_, std::move(c)}));
  });
}

}  // namespace fast_cache
