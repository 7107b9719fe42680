#include "dynamodb/client.hpp"
#include "dynamodb/config.hpp"
#include "dynamodb/lanes.hpp"
#include "dynamodb/layout.hpp"
#include "dynamodb/protocol.hpp"

#include <fast_cache/completion.hpp>
#include <fast_cache/dynamodb_backend.hpp>

#include <boost/asio/any_completion_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

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
  std::string prefix;  // "<namespace>:", what clear() scans for
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

// What an operation runs with: the backend's state and the client of where it runs (the io
// thread, the calling thread or the caller's io_context), which `lane` keeps alive when it is a lane's.
struct session {
  state_ptr state;
  client* api;
  std::shared_ptr<const void> lane;
  const DynamoDBBackend::state* operator->() const noexcept { return state.get(); }
};

asio::awaitable<void> ensure_table(session s);

// One data-plane call. When the table vanished (DynamoDB Local restarted, someone deleted it) and
// create_table is on, the table is made again and the call repeated once.
asio::awaitable<std::string> call(session s, std::string op, std::string body) {
  bool table_missing = false;
  try {
    co_return co_await s.api->call(op, body);
  } catch (const DynamoDBError& e) {
    if (!s->options.create_table || e.error_type() != "ResourceNotFoundException") throw;
    table_missing = true;
  }
  if (table_missing) co_await ensure_table(s);
  co_return co_await s.api->call(std::move(op), std::move(body));
}

// ---- operations: named coroutines with by-value parameters (GCC PR 100611) ----

write_op put_op(const DynamoDBBackend::state& s, std::string_view key, std::string value, expiry expire,
                system_clock::time_point now) {
  validate_key(key);
  const auto lifetime = effective_expiry(expire, s.options.default_expire);
  write_op op{cache_key(s.options.namespace_, key), std::move(value),
              lifetime ? std::optional(ttl_epoch_seconds(now, *lifetime)) : std::nullopt};
  const std::size_t size = item_size(op.cache_key, op.value->size(), op.ttl.has_value());
  if (size > max_item_bytes)
    throw Error(errc::value_too_large, "value of " + std::to_string(op.value->size()) +
                                           " bytes does not fit DynamoDB: the item would be " + std::to_string(size) +
                                           " bytes, over the " + std::to_string(max_item_bytes) +
                                           "-byte (400 KB) item limit");
  return op;
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
      if (!co_await s.api->backoff(stalled, error_class::throttling))
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
      if (!co_await s.api->backoff(stalled, error_class::throttling))
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
    co_return parse_describe_table(co_await s.api->call("DescribeTable", table_request(s->options.table_name)));
  } catch (const DynamoDBError& e) {
    if (e.error_type() != "ResourceNotFoundException") throw;
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
      co_await s.api->call("CreateTable", create_table_request(table));
    } catch (const DynamoDBError& e) {
      if (e.error_type() != "ResourceInUseException") throw;  // created by someone else meanwhile: fine
    }
  }
  for (int polls = 0;; ++polls) {
    if (desc) {
      if (auto why = key_schema_mismatch(*desc))
        throw Error(errc::invalid_argument, where + " cannot hold the cache: " + *why);
      if (desc->status == "ACTIVE" || desc->status == "UPDATING") break;
      if (desc->status != "CREATING") throw Error(errc::server, where + " is " + desc->status);
    }
    co_await s.api->sleep(std::chrono::milliseconds(std::min(50 << std::min(polls, 5), 1000)));
    desc = co_await describe_table(s);
  }
  if (!s->options.create_table) co_return;
  const auto ttl = parse_describe_ttl(co_await s.api->call("DescribeTimeToLive", table_request(table)));
  if (ttl.status == "ENABLED" || ttl.status == "ENABLING") co_return;
  try {
    co_await s.api->call("UpdateTimeToLive", update_ttl_request(table));
  } catch (const DynamoDBError& e) {
    // "TimeToLive is already enabled" and the one-change-per-hour rule: TTL is on, or will be.
    if (e.error_type() != "ValidationException") throw;
  }
}

// ---- launching ----

[[noreturn]] void throw_closed() { throw Error(errc::closed, "DynamoDB backend is closed"); }

template <class Handler, class T>
struct deliver {
  Handler handler;
  void operator()(std::exception_ptr e, T value) { post_completion(std::move(handler), e, std::move(value)); }
};
template <class Handler>
struct deliver<Handler, void> {
  Handler handler;
  void operator()(std::exception_ptr e) { post_completion(std::move(handler), e); }
};

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
void launch(const state_ptr& s, Handler handler, asio::awaitable<T> (*make_op)(session, Params...), Args&&... args) {
  std::lock_guard lock(s->mutex);
  if (s->closed) {
    auto error = std::make_exception_ptr(Error(errc::closed, "DynamoDB backend is closed"));
    if constexpr (std::is_void_v<T>)
      post_completion(std::move(handler), error);
    else
      post_completion(std::move(handler), error, T{});
    return;
  }
  asio::io_context* caller = io_context_of(asio::get_associated_executor(handler));
  if (caller && caller != &s->ioc) {
    auto lane = s->lanes->for_context(*caller);
    const auto strand = lane->strand;
    client* api = &*lane->api;
    asio::co_spawn(strand, make_op(session{s, api, std::move(lane)}, std::forward<Args>(args)...),
                   deliver<Handler, T>{std::move(handler)});
    return;
  }
  asio::co_spawn(s->ioc, make_op(session{s, &*s->api, nullptr}, std::forward<Args>(args)...),
                 deliver<Handler, T>{std::move(handler)});
}

void check_not_io_thread(const state_ptr& s) {
  if (s->ioc.get_executor().running_in_this_thread())
    throw std::logic_error(
        "a synchronous DynamoDBBackend call was made on the backend's own I/O thread; "
        "use the async API there");
}

// Runs make_op(session, args...) to completion on the calling thread, with its own client.
template <class T, class... Params, class... Args>
T run(const state_ptr& s, asio::awaitable<T> (*make_op)(session, Params...), Args&&... args) {
  check_not_io_thread(s);
  const auto lane = s->lanes->for_this_thread();
  if (!lane) throw_closed();
  const std::lock_guard busy(lane->busy);
  if (lane->retired) throw_closed();
  client* api = &*lane->api;
  return run_on(*lane, make_op(session{s, api, lane}, std::forward<Args>(args)...));
}

}  // namespace

DynamoDBBackend::DynamoDBBackend(DynamoDBOptions options) : state_(std::make_shared<state>()) {
  state& s = *state_;
  const env_map env = process_environment();
  s.config = resolve_config(options, env, read_shared_files(env));
  s.options = std::move(options);
  s.prefix = s.options.namespace_ + ":";
  net::client_options http{.max_connections = s.options.max_connections,
                           .connect_timeout = s.options.connect_timeout,
                           .request_timeout = s.options.request_timeout,
                           .verify_tls = s.options.verify_tls,
                           .ca_file = s.options.ca_file};
  const retry_policy retry{s.options.max_attempts, s.options.retry_base, s.options.retry_throttling_base,
                           s.options.retry_cap};
  s.api.emplace(s.ioc.get_executor(), s.config, http, retry);
  s.lanes.emplace(client_settings{s.config, http, retry});
  s.thread = std::thread([&s] { s.ioc.run(); });
  auto ready = asio::co_spawn(s.ioc, ensure_table(session{state_, &*s.api, nullptr}), asio::use_future);
  if (ready.wait_for(s.options.table_timeout) != std::future_status::ready) {
    close();
    throw Error(errc::timeout, "DynamoDB table '" + s.options.table_name + "' at " + s.config.endpoint_url +
                                   " was not ready within " + std::to_string(s.options.table_timeout.count()) + " ms");
  }
  try {
    ready.get();
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

std::optional<std::string> DynamoDBBackend::get(std::string_view key) { return run(state_, get_op, std::string(key)); }
void DynamoDBBackend::set(std::string_view key, std::string_view value, expiry expire) {
  run(state_, set_op, std::string(key), std::string(value), expire);
}
bool DynamoDBBackend::has(std::string_view key) { return run(state_, has_op, std::string(key)); }
void DynamoDBBackend::erase(std::string_view key) { run(state_, erase_op, std::string(key)); }
void DynamoDBBackend::clear() { run(state_, clear_op); }
std::vector<std::optional<std::string>> DynamoDBBackend::get_many(std::span<const std::string> keys) {
  return run(state_, get_many_op, std::vector<std::string>(keys.begin(), keys.end()));
}
void DynamoDBBackend::set_many(std::span<const item> items, expiry expire) {
  run(state_, set_many_op, std::vector<item>(items.begin(), items.end()), expire);
}
void DynamoDBBackend::erase_many(std::span<const std::string> keys) {
  run(state_, erase_many_op, std::vector<std::string>(keys.begin(), keys.end()));
}

void DynamoDBBackend::do_async_get(std::string key, get_handler handler) {
  launch(state_, std::move(handler), get_op, std::move(key));
}
void DynamoDBBackend::do_async_set(std::string key, std::string value, expiry expire, done_handler handler) {
  launch(state_, std::move(handler), set_op, std::move(key), std::move(value), expire);
}
void DynamoDBBackend::do_async_has(std::string key, has_handler handler) {
  launch(state_, std::move(handler), has_op, std::move(key));
}
void DynamoDBBackend::do_async_erase(std::string key, done_handler handler) {
  launch(state_, std::move(handler), erase_op, std::move(key));
}
void DynamoDBBackend::do_async_clear(done_handler handler) { launch(state_, std::move(handler), clear_op); }
void DynamoDBBackend::do_async_get_many(std::vector<std::string> keys, get_many_handler handler) {
  launch(state_, std::move(handler), get_many_op, std::move(keys));
}
void DynamoDBBackend::do_async_set_many(std::vector<item> items, expiry expire, done_handler handler) {
  launch(state_, std::move(handler), set_many_op, std::move(items), expire);
}
void DynamoDBBackend::do_async_erase_many(std::vector<std::string> keys, done_handler handler) {
  launch(state_, std::move(handler), erase_many_op, std::move(keys));
}

const std::string& DynamoDBBackend::namespace_name() const noexcept { return state_->options.namespace_; }
const std::string& DynamoDBBackend::table_name() const noexcept { return state_->options.table_name; }
const std::string& DynamoDBBackend::region() const noexcept { return state_->config.region; }
const std::string& DynamoDBBackend::endpoint_url() const noexcept { return state_->config.endpoint_url; }

}  // namespace fast_cache
