#include "dynamodb/client.hpp"
#include "dynamodb/config.hpp"
#include "dynamodb/errors.hpp"
#include "dynamodb/lanes.hpp"
#include "dynamodb/layout.hpp"
#include "dynamodb/protocol.hpp"

#include "core/remote_calls.hpp"

#include <fast_cache/completion.hpp>
#include <fast_cache/dynamodb_backend.hpp>

#include <boost/asio/any_completion_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace fast_cache {
namespace asio = boost::asio;
using namespace dynamodb;
using std::chrono::system_clock;

struct DynamoDBBackend::state {
  DynamoDBOptions options;
  resolved_config config;
  std::string prefix;                                   // "<namespace>:", what clear() scans for
  std::string server_name;                              // "DynamoDB at <endpoint>", for the breaker's refusals
  std::shared_ptr<detail::call_accounting> accounting;  // the breaker and the counters
  std::atomic<bool> repairing_table{false};             // a background ensure_table is running
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  std::optional<client> api;           // used on the io thread only
  std::optional<lane_registry> lanes;  // clients of the calling threads and io_contexts
  std::thread thread;
  std::mutex mutex;  // orders launches against close()
  bool closed = false;
};

namespace {

using state_ptr = std::shared_ptr<DynamoDBBackend::state>;

using steady_clock = std::chrono::steady_clock;

// What an operation runs with: the backend's state, the client of where it runs (the io thread,
// the calling thread or the caller's io_context), which `lane` keeps alive when it is a lane's,
// and when its budget ends.
struct session {
  state_ptr state;
  client* api;
  std::shared_ptr<const void> lane;
  steady_clock::time_point deadline;
  const DynamoDBBackend::state* operator->() const noexcept { return state.get(); }
};

// Which budget an operation gets.
enum class budget { read, write, admin };

steady_clock::time_point deadline_for(const DynamoDBBackend::state& s, budget b) {
  const auto& o = s.options;
  return steady_clock::now() + (b == budget::read    ? o.read_budget
                                : b == budget::write ? o.write_budget
                                                     : o.admin_budget);
}

bool is_missing_table(const Error& e) { return e.diag().server_code == "ResourceNotFoundException"; }

void repair_table_in_background(const state_ptr& s);

// One data-plane call. When the table vanished (DynamoDB Local restarted, someone deleted it) and
// create_table is on, the table is made again in the background, within the admin budget: no
// caller waits for that, this call fails as unavailable and later ones find the table.
asio::awaitable<std::string> call(session s, std::string op, std::string body) {
  try {
    co_return co_await s.api->call(std::move(op), std::move(body), s.deadline);
  } catch (const Error& e) {
    if (!s->options.create_table || !is_missing_table(e)) throw;
  }
  repair_table_in_background(s.state);
  throw Error(errc::unavailable, "DynamoDB table '" + s->options.table_name + "' at " + s->config.endpoint_url +
                                     " is missing; it is being created again");
}

// ---- operations: named coroutines with by-value parameters (GCC PR 100611) ----

write_op put_op(const DynamoDBBackend::state& s, std::string_view key, std::string value, expiry expire,
                system_clock::time_point now) {
  validate_key(key);
  const auto lifetime = effective_expiry(expire, s.options.default_expire);
  write_op op{cache_key(s.options.namespace_, key), std::move(value),
              lifetime ? std::optional(ttl_epoch_seconds(now, *lifetime)) : std::nullopt};
  check_item_size(op.cache_key, op.value->size(), op.ttl.has_value());
  return op;
}

// A write with a ConditionExpression: whether the condition held and the write was made. A
// failed condition is the server's answer "no" (ConditionalCheckFailedException): never retried
// (classify() makes it fatal), and the call succeeds, so neither the counters nor the breaker
// see a failure.
asio::awaitable<bool> conditional_call(session s, std::string op, std::string body) {
  try {
    co_await call(std::move(s), std::move(op), std::move(body));
    co_return true;
  } catch (const Error& e) {
    if (!is_condition_failed(e)) throw;
  }
  co_return false;
}

asio::awaitable<std::optional<std::string>> get_op(session s, std::string key) {
  validate_key(key);
  const auto body = co_await call(
      s, "GetItem",
      get_item_request(s->options.table_name, cache_key(s->options.namespace_, key), s->options.consistent_read));
  auto item = parse_get_item(body);
  if (!item || !item->live_at(system_clock::now())) co_return std::nullopt;
  co_return std::move(item->value);
}

asio::awaitable<value_with_ttl> get_with_ttl_op(session s, std::string key) {
  validate_key(key);
  const auto body = co_await call(
      s, "GetItem",
      get_item_request(s->options.table_name, cache_key(s->options.namespace_, key), s->options.consistent_read));
  auto item = parse_get_item(body);
  const auto now = system_clock::now();
  if (!item || !item->live_at(now)) co_return value_with_ttl{};
  const time_left left = item->remaining_at(now);
  co_return value_with_ttl{std::move(item->value), left};
}

asio::awaitable<bool> has_op(session s, std::string key) {
  validate_key(key);
  const auto body = co_await call(
      s, "GetItem",
      get_item_request(s->options.table_name, cache_key(s->options.namespace_, key), s->options.consistent_read, true));
  const auto item = parse_get_item(body);
  co_return item && item->live_at(system_clock::now());
}

asio::awaitable<void> set_op(session s, std::string key, std::string value, expiry expire) {
  const write_op op = put_op(*s.state, key, std::move(value), expire, system_clock::now());
  co_await call(s, "PutItem", put_item_request(s->options.table_name, op));
}

asio::awaitable<void> erase_op(session s, std::string key) {
  validate_key(key);
  co_await call(s, "DeleteItem", delete_item_request(s->options.table_name, cache_key(s->options.namespace_, key)));
}

// Expiry is set's: a lease of 300 ms gets the ttl set writes, rounded up to a whole second (an
// entry never ends early, so it lives up to a second longer than asked). DynamoDB compares the
// stored ttl, so the condition must judge in the same whole seconds as get: an item with ttl T
// is expired from T.000 on for both (first_live_ttl); rounding `now` down instead would keep a
// lease that get already misses for up to another second. `now` is taken once, before the
// request: a retry within the budget sees items as live a little longer, never shorter.
asio::awaitable<bool> set_if_absent_op(session s, std::string key, std::string value, expiry expire) {
  const auto now = system_clock::now();
  const write_op op = put_op(*s.state, key, std::move(value), expire, now);
  co_return co_await conditional_call(s, "PutItem", put_if_absent_request(s->options.table_name, op, now));
}

// A value that could not be in an item (over the item limit) fails as set would.
asio::awaitable<bool> erase_if_equal_op(session s, std::string key, std::string value) {
  validate_key(key);
  const std::string ck = cache_key(s->options.namespace_, key);
  check_item_size(ck, value.size(), false);
  co_return co_await conditional_call(s, "DeleteItem", delete_if_equal_request(s->options.table_name, ck, value));
}

// Writes distinct-key ops in batches of 25, resending UnprocessedItems with backoff. Each round
// that makes no progress counts as a failed attempt.
asio::awaitable<void> write_batches(session s, std::vector<write_op> ops) {
  const std::string& table = s->options.table_name;
  for (std::size_t first = 0; first < ops.size(); first += batch_write_limit) {
    const auto end = ops.begin() + static_cast<std::ptrdiff_t>(std::min(ops.size(), first + batch_write_limit));
    std::vector<write_op> pending(std::make_move_iterator(ops.begin() + static_cast<std::ptrdiff_t>(first)),
                                  std::make_move_iterator(end));
    for (int stalled = 0;;) {
      auto left = parse_batch_write(co_await call(s, "BatchWriteItem", batch_write_request(table, pending)), table);
      if (left.empty()) break;
      stalled = left.size() < pending.size() ? 1 : stalled + 1;
      pending = std::move(left);
      const bool again = co_await s.api->backoff(stalled, error_class::throttling, s.deadline);
      if (!again)
        throw Error(errc::throttled, "DynamoDB BatchWriteItem left " + std::to_string(pending.size()) +
                                         " items unprocessed after retries");
    }
  }
}

asio::awaitable<std::vector<std::optional<std::string>>> get_many_op(session s, std::vector<std::string> keys) {
  const std::string& table = s->options.table_name;
  std::vector<std::string> cache_keys;
  cache_keys.reserve(keys.size());
  for (const auto& k : keys) {
    validate_key(k);
    cache_keys.push_back(cache_key(s->options.namespace_, k));
  }
  std::unordered_map<std::string, std::string> found;
  for (auto& pending : unique_chunks(cache_keys, batch_get_limit)) {
    for (int stalled = 0;;) {
      auto result = parse_batch_get(
          co_await call(s, "BatchGetItem", batch_get_request(table, pending, s->options.consistent_read)), table);
      const auto now = system_clock::now();
      for (auto& [k, item] : result.items)
        if (item.live_at(now)) found.insert_or_assign(std::move(k), std::move(item.value));
      if (result.unprocessed.empty()) break;
      stalled = result.unprocessed.size() < pending.size() ? 1 : stalled + 1;
      pending = std::move(result.unprocessed);
      const bool again = co_await s.api->backoff(stalled, error_class::throttling, s.deadline);
      if (!again)
        throw Error(errc::throttled,
                    "DynamoDB BatchGetItem left " + std::to_string(pending.size()) + " keys unprocessed after retries");
    }
  }
  std::vector<std::optional<std::string>> out;
  out.reserve(keys.size());
  for (const auto& ck : cache_keys) {
    const auto it = found.find(ck);
    out.push_back(it == found.end() ? std::nullopt : std::optional(it->second));
  }
  co_return out;
}

// Later duplicates win, as they would with one set() after another.
std::vector<write_op> distinct(std::vector<write_op> ops) {
  std::unordered_map<std::string_view, std::size_t> last;
  for (std::size_t i = 0; i < ops.size(); ++i) last[ops[i].cache_key] = i;
  if (last.size() == ops.size()) return ops;
  std::vector<write_op> out;
  for (std::size_t i = 0; i < ops.size(); ++i)
    if (last[ops[i].cache_key] == i) out.push_back(std::move(ops[i]));
  return out;
}

asio::awaitable<void> set_many_op(session s, std::vector<item> items, expiry expire) {
  const auto now = system_clock::now();
  std::vector<write_op> ops;
  ops.reserve(items.size());
  for (auto& [k, v] : items) ops.push_back(put_op(*s.state, k, std::move(v), expire, now));
  co_await write_batches(s, distinct(std::move(ops)));
}

asio::awaitable<void> erase_many_op(session s, std::vector<std::string> keys) {
  std::vector<write_op> ops;
  ops.reserve(keys.size());
  for (const auto& k : keys) {
    validate_key(k);
    ops.push_back({cache_key(s->options.namespace_, k), std::nullopt, std::nullopt});
  }
  co_await write_batches(s, distinct(std::move(ops)));
}

asio::awaitable<void> clear_op(session s) {
  std::optional<std::string> start;
  do {
    auto page = parse_scan(co_await call(s, "Scan", scan_request(s->options.table_name, s->prefix, start)));
    start = std::move(page.last_key);
    std::vector<write_op> ops;
    ops.reserve(page.keys.size());
    for (auto& k : page.keys) ops.push_back({std::move(k), std::nullopt, std::nullopt});
    co_await write_batches(s, std::move(ops));
  } while (start);
}

asio::awaitable<std::optional<table_description>> describe_table(session s) {
  try {
    co_return parse_describe_table(
        co_await s.api->call("DescribeTable", table_request(s->options.table_name), s.deadline));
  } catch (const Error& e) {
    if (!is_missing_table(e)) throw;
  }
  co_return std::nullopt;
}

// DescribeTable; CreateTable when missing and allowed; wait for ACTIVE; check the key schema;
// enable TTL on `ttl` unless it already is.
asio::awaitable<void> ensure_table(session s) {
  const std::string& table = s->options.table_name;
  const std::string where = "DynamoDB table '" + table + "' at " + s->config.endpoint_url;
  auto desc = co_await describe_table(s);
  if (!desc) {
    if (!s->options.create_table)
      throw Error(errc::invalid_argument, where + " does not exist and create_table is false");
    try {
      co_await s.api->call("CreateTable", create_table_request(table), s.deadline);
    } catch (const Error& e) {
      if (e.diag().server_code != "ResourceInUseException") throw;  // created by someone else meanwhile: fine
    }
  }
  for (int polls = 0;; ++polls) {
    if (desc) {
      if (auto why = key_schema_mismatch(*desc))
        throw Error(errc::invalid_argument, where + " cannot hold the cache: " + *why);
      if (desc->status == "ACTIVE" || desc->status == "UPDATING") break;
      if (desc->status != "CREATING") throw Error(errc::unavailable, where + " is " + desc->status);
    }
    const std::chrono::milliseconds pause(std::min(50 << std::min(polls, 5), 1000));
    if (steady_clock::now() + pause >= s.deadline)
      throw Error(errc::timeout, where + " was not ACTIVE within the admin budget (" +
                                     std::to_string(s->options.admin_budget.count()) + " ms)");
    co_await s.api->sleep(pause);
    desc = co_await describe_table(s);
  }
  if (!s->options.create_table) co_return;
  const auto ttl = parse_describe_ttl(co_await s.api->call("DescribeTimeToLive", table_request(table), s.deadline));
  if (ttl.status == "ENABLED" || ttl.status == "ENABLING") co_return;
  try {
    co_await s.api->call("UpdateTimeToLive", update_ttl_request(table), s.deadline);
  } catch (const Error& e) {
    // "TimeToLive is already enabled" and the one-change-per-hour rule: TTL is on, or will be.
    if (e.diag().server_code != "ValidationException") throw;
  }
}

// ---- launching ----

[[noreturn]] void throw_closed() { throw Error(errc::closed, "DynamoDB backend is closed"); }

// The io_context behind an executor, when it is a plain one (use_awaitable's, bind_executor's).
template <class Executor>
asio::io_context* io_context_in(const Executor& ex) {
  using plain = asio::io_context::executor_type;
  using never_blocking = decltype(asio::require(std::declval<plain>(), asio::execution::blocking.never));
  if (const auto* e = ex.template target<plain>()) return &e->context();
  if (const auto* e = ex.template target<never_blocking>()) return &e->context();
  return nullptr;
}

// The io_context a completion handler runs on, when it runs on one.
asio::io_context* io_context_of(const asio::any_completion_executor& ex) {
  if (const auto* any = ex.target<asio::any_io_executor>()) return io_context_in(*any);
  return io_context_in(ex);
}

// Starts make_op(session, args...), which completes handler: on the handler's io_context when it
// has one, so that a caller's requests and completions stay on its threads; else on the io thread.
template <class Handler, class T, class... Params, class... Args>
void launch(const state_ptr& s, budget b, Handler handler, diagnostics* diag,
            asio::awaitable<T> (*make_op)(session, Params...), Args&&... args) {
  std::lock_guard lock(s->mutex);
  if (s->closed)
    return detail::fail_at_once<Handler, T>(std::move(handler), diag,
                                            Error(errc::closed, "DynamoDB backend is closed"));
  detail::admission a = detail::admit(*s->accounting, s->server_name);
  if (a.refusal) {
    return detail::fail_at_once<Handler, T>(std::move(handler), diag, *a.refusal);
  }
  const auto deadline = deadline_for(*s, b);
  asio::io_context* caller = io_context_of(asio::get_associated_executor(handler));
  if (caller && caller != &s->ioc) {
    auto lane = s->lanes->for_context(*caller);
    const auto strand = lane->strand;
    client* api = &*lane->api;
    detail::spawn_call(strand, make_op(session{s, api, std::move(lane), deadline}, std::forward<Args>(args)...),
                       std::move(handler), diag, s->accounting, a.ticket);
    return;
  }
  detail::spawn_call(s->api->executor(), make_op(session{s, &*s->api, nullptr, deadline}, std::forward<Args>(args)...),
                     std::move(handler), diag, s->accounting, a.ticket);
}

void check_not_io_thread(const state_ptr& s) {
  if (s->ioc.get_executor().running_in_this_thread())
    throw std::logic_error(
        "a synchronous DynamoDBBackend call was made on the backend's own I/O thread; "
        "use the async API there");
}

// Runs make_op(session, args...) to completion on the calling thread, with its own client.
template <class T, class... Params, class... Args>
T run(const state_ptr& s, budget b, asio::awaitable<T> (*make_op)(session, Params...), Args&&... args) {
  check_not_io_thread(s);
  const auto lane = s->lanes->for_this_thread();
  if (!lane) throw_closed();
  const std::lock_guard busy(lane->busy);
  if (lane->retired) throw_closed();
  detail::admission a = detail::admit(*s->accounting, s->server_name);
  if (a.refusal) throw *a.refusal;
  const session call{s, &*lane->api, lane, deadline_for(*s, b)};
  try {
    if constexpr (std::is_void_v<T>) {
      run_on(*lane, make_op(call, std::forward<Args>(args)...));
      detail::settle(*s->accounting, a.ticket, {});
    } else {
      T result = run_on(*lane, make_op(call, std::forward<Args>(args)...));
      detail::settle(*s->accounting, a.ticket, {});
      return result;
    }
  } catch (...) {
    detail::settle(*s->accounting, a.ticket, error_code_from(std::current_exception(), nullptr));
    throw;
  }
}

// Restores the flag that lets the next missing-table call start a repair.
struct repair_done {
  state_ptr state;
  void operator()(const std::exception_ptr&) const { state->repairing_table = false; }
};

void repair_table_in_background(const state_ptr& s) {
  if (s->repairing_table.exchange(true)) return;
  std::lock_guard lock(s->mutex);
  if (s->closed) return;
  asio::co_spawn(s->api->executor(), ensure_table(session{s, &*s->api, nullptr, deadline_for(*s, budget::admin)}),
                 repair_done{s});
}

}  // namespace

DynamoDBBackend::DynamoDBBackend(DynamoDBOptions options) : state_(std::make_shared<state>()) {
  state& s = *state_;
  const env_map env = process_environment();
  s.config = resolve_config(options, env, read_shared_files(env));
  s.options = std::move(options);
  s.prefix = s.options.namespace_ + ":";
  s.server_name = "DynamoDB at " + s.config.endpoint_url;
  s.accounting = std::make_shared<detail::call_accounting>(s.options.breaker);
  net::client_options http{.max_connections = s.options.max_connections,
                           .connect_timeout = s.options.connect_timeout,
                           .request_timeout = s.options.request_timeout,
                           .verify_tls = s.options.verify_tls,
                           .ca_file = s.options.ca_file};
  const retry_policy retry{s.options.max_attempts, s.options.retry_base, s.options.retry_throttling_base,
                           s.options.retry_cap};
  // The io thread alone runs ioc: the client needs no strand. It runs until close(), which also
  // disarms the client's request timer, so that timer may stay armed between requests.
  net::client_options io_thread_http = http;
  io_thread_http.timer_outlives_requests = true;
  s.api.emplace(s.ioc.get_executor(), s.config, io_thread_http, retry, &s.accounting->counters);
  s.lanes.emplace(client_settings{s.config, http, retry, &s.accounting->counters});
  s.thread = std::thread([&s] { s.ioc.run(); });
  // ensure_table is bounded by the admin budget, DNS and every wait included.
  detail::blocking_call<void> ready(s.api->executor(),
                                    ensure_table(session{state_, &*s.api, nullptr, deadline_for(s, budget::admin)}));
  try {
    ready.wait();
  } catch (...) {
    close();
    throw;
  }
}

DynamoDBBackend::~DynamoDBBackend() { close(); }

void DynamoDBBackend::close() {
  state& s = *state_;
  {
    std::lock_guard lock(s.mutex);
    if (s.closed) return;
    s.closed = true;
  }
  // Fails requests in flight and wakes sleeping retries; the io thread then runs dry and ends.
  asio::post(s.ioc, [&s] { s.api->close(); });
  s.work.reset();
  s.lanes->close_all();
  if (s.thread.get_id() == std::this_thread::get_id())
    s.thread.detach();
  else
    s.thread.join();
}

std::optional<std::string> DynamoDBBackend::get(std::string_view key) {
  return run(state_, budget::read, get_op, std::string(key));
}
value_with_ttl DynamoDBBackend::get_with_ttl(std::string_view key) {
  return run(state_, budget::read, get_with_ttl_op, std::string(key));
}
void DynamoDBBackend::set(std::string_view key, std::string_view value, expiry expire) {
  run(state_, budget::write, set_op, std::string(key), std::string(value), expire);
}
bool DynamoDBBackend::has(std::string_view key) { return run(state_, budget::read, has_op, std::string(key)); }
void DynamoDBBackend::erase(std::string_view key) { run(state_, budget::write, erase_op, std::string(key)); }
void DynamoDBBackend::clear() { run(state_, budget::admin, clear_op); }
bool DynamoDBBackend::set_if_absent(std::string_view key, std::string_view value, expiry expire) {
  return run(state_, budget::write, set_if_absent_op, std::string(key), std::string(value), expire);
}
bool DynamoDBBackend::erase_if_equal(std::string_view key, std::string_view value) {
  return run(state_, budget::write, erase_if_equal_op, std::string(key), std::string(value));
}
std::vector<std::optional<std::string>> DynamoDBBackend::get_many(std::span<const std::string> keys) {
  return run(state_, budget::read, get_many_op, std::vector<std::string>(keys.begin(), keys.end()));
}
void DynamoDBBackend::set_many(std::span<const item> items, expiry expire) {
  run(state_, budget::write, set_many_op, std::vector<item>(items.begin(), items.end()), expire);
}
void DynamoDBBackend::erase_many(std::span<const std::string> keys) {
  run(state_, budget::write, erase_many_op, std::vector<std::string>(keys.begin(), keys.end()));
}

void DynamoDBBackend::do_async_get(std::string key, diagnostics* diag, get_handler handler) {
  launch(state_, budget::read, std::move(handler), diag, get_op, std::move(key));
}
void DynamoDBBackend::do_async_get_with_ttl(std::string key, diagnostics* diag, get_with_ttl_handler handler) {
  launch(state_, budget::read, std::move(handler), diag, get_with_ttl_op, std::move(key));
}
void DynamoDBBackend::do_async_set(std::string key, std::string value, expiry expire, diagnostics* diag,
                                   done_handler handler) {
  launch(state_, budget::write, std::move(handler), diag, set_op, std::move(key), std::move(value), expire);
}
void DynamoDBBackend::do_async_has(std::string key, diagnostics* diag, has_handler handler) {
  launch(state_, budget::read, std::move(handler), diag, has_op, std::move(key));
}
void DynamoDBBackend::do_async_erase(std::string key, diagnostics* diag, done_handler handler) {
  launch(state_, budget::write, std::move(handler), diag, erase_op, std::move(key));
}
void DynamoDBBackend::do_async_clear(diagnostics* diag, done_handler handler) {
  launch(state_, budget::admin, std::move(handler), diag, clear_op);
}
void DynamoDBBackend::do_async_set_if_absent(std::string key, std::string value, expiry expire, diagnostics* diag,
                                             has_handler handler) {
  launch(state_, budget::write, std::move(handler), diag, set_if_absent_op, std::move(key), std::move(value), expire);
}
void DynamoDBBackend::do_async_erase_if_equal(std::string key, std::string value, diagnostics* diag,
                                              has_handler handler) {
  launch(state_, budget::write, std::move(handler), diag, erase_if_equal_op, std::move(key), std::move(value));
}
void DynamoDBBackend::do_async_get_many(std::vector<std::string> keys, diagnostics* diag, get_many_handler handler) {
  launch(state_, budget::read, std::move(handler), diag, get_many_op, std::move(keys));
}
void DynamoDBBackend::do_async_set_many(std::vector<item> items, expiry expire, diagnostics* diag,
                                        done_handler handler) {
  launch(state_, budget::write, std::move(handler), diag, set_many_op, std::move(items), expire);
}
void DynamoDBBackend::do_async_erase_many(std::vector<std::string> keys, diagnostics* diag, done_handler handler) {
  launch(state_, budget::write, std::move(handler), diag, erase_many_op, std::move(keys));
}

const std::string& DynamoDBBackend::namespace_name() const noexcept { return state_->options.namespace_; }
backend_stats DynamoDBBackend::stats() const {
  return state_->accounting->counters.snapshot(state_->accounting->breaker);
}
const std::string& DynamoDBBackend::table_name() const noexcept { return state_->options.table_name; }
const std::string& DynamoDBBackend::region() const noexcept { return state_->config.region; }
const std::string& DynamoDBBackend::endpoint_url() const noexcept { return state_->config.endpoint_url; }

}  // namespace fast_cache
