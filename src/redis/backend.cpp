#include "redis/commands.hpp"
#include "redis/connection.hpp"
#include "redis/reply.hpp"

#include "core/remote_calls.hpp"

#include <fast_cache/redis_backend.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <future>
#include <mutex>
#include <thread>

namespace fast_cache {

namespace asio = boost::asio;
using namespace redis;
using steady_clock = std::chrono::steady_clock;

struct RedisBackend::state {
  RedisOptions options;
  std::string server;  // "Redis at host:port", for messages
  std::shared_ptr<detail::call_accounting> accounting;
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  std::vector<std::shared_ptr<connection>> connections;  // used on the io thread only
  std::size_t next_connection = 0;                       // io thread only
  std::thread thread;
  std::mutex mutex;  // orders launches against close()
  bool closed = false;
};

namespace {

using state_ptr = std::shared_ptr<RedisBackend::state>;

enum class budget { read, write, admin };

// What an operation runs with: the backend and when its budget ends.
struct session {
  state_ptr state;
  steady_clock::time_point deadline;
  RedisBackend::state* operator->() const noexcept { return state.get(); }
};

steady_clock::time_point deadline_for(const RedisBackend::state& s, budget b) {
  const auto& o = s.options;
  return steady_clock::now() + (b == budget::read    ? o.read_budget
                                : b == budget::write ? o.write_budget
                                                     : o.admin_budget);
}

// Sends a pipeline of `count` commands on the next connection; returns their replies.
asio::awaitable<std::vector<reply>> send(session s, std::string commands, std::size_t count) {
  const std::shared_ptr<connection> c = s->connections[s->next_connection++ % s->connections.size()];
  co_return co_await c->exchange(std::move(commands), count, s.deadline);
}

// One command's reply, error replies thrown.
asio::awaitable<reply> command(session s, std::string commands) {
  std::vector<reply> replies = co_await send(s, std::move(commands), 1);
  throw_if_error(replies.front(), s->server);
  co_return std::move(replies.front());
}

std::string key_of(const RedisBackend::state& s, std::string_view key) {
  validate_key(key);
  return namespaced_key(s.options.namespace_, key);
}

// One command from its arguments. Built outside the coroutines: g++ 12 miscompiles braced lists
// in them.
template <class... Args>
std::string command_of(const Args&... args) {
  const std::string_view argv[] = {std::string_view(args)...};
  std::string out;
  append_command(out, argv);
  return out;
}

// SET key value [PX ms]: builds the command of one store, checking the value's size first.
void append_set(const RedisBackend::state& s, std::string& out, std::string_view key, std::string_view value,
                expiry expire) {
  const std::string redis_key = key_of(s, key);
  if (value.size() > s.options.max_value_bytes)
    throw Error(errc::value_too_large, "value of " + std::to_string(value.size()) + " bytes is over the " +
                                           std::to_string(s.options.max_value_bytes) +
                                           "-byte limit of a Redis string (proto-max-bulk-len)");
  const auto lifetime = effective_expiry(expire, s.options.default_expire);
  if (!lifetime) {
    out += command_of("SET", redis_key, value);
    return;
  }
  const std::string ms = std::to_string(std::max<std::int64_t>(1, lifetime->count()));
  out += command_of("SET", redis_key, value, "PX", ms);
}

// A command over many keys: `verb key...`, the keys namespaced unless they already are.
std::string keys_command(const RedisBackend::state& s, std::string_view verb, const std::vector<std::string>& keys,
                         bool namespaced) {
  std::vector<std::string> owned;
  owned.reserve(keys.size());
  for (const std::string& k : keys) owned.push_back(namespaced ? key_of(s, k) : k);
  std::vector<std::string_view> args;
  args.reserve(keys.size() + 1);
  args.push_back(verb);
  args.insert(args.end(), owned.begin(), owned.end());
  std::string out;
  append_command(out, args);
  return out;
}

// ---- operations: named coroutines with by-value parameters (GCC PR 100611) ----

asio::awaitable<std::optional<std::string>> get_op(session s, std::string key) {
  const std::string cmd = command_of("GET", key_of(*s.state, key));
  reply r = co_await command(s, cmd);
  if (r.is_nil()) co_return std::nullopt;
  co_return std::move(r.text);
}

asio::awaitable<void> set_op(session s, std::string key, std::string value, expiry expire) {
  std::string cmd;
  append_set(*s.state, cmd, key, value, expire);
  co_await command(s, std::move(cmd));
}

asio::awaitable<bool> has_op(session s, std::string key) {
  const std::string cmd = command_of("EXISTS", key_of(*s.state, key));
  const reply r = co_await command(s, cmd);
  co_return r.integer > 0;
}

asio::awaitable<void> erase_op(session s, std::string key) {
  const std::string cmd = command_of("UNLINK", key_of(*s.state, key));
  co_await command(s, cmd);
}

// SCAN with MATCH visits every key of the namespace (and some twice: UNLINK does not mind), never
// another namespace's: the pattern escapes the namespace's glob characters.
asio::awaitable<void> clear_op(session s) {
  const std::string pattern = namespace_pattern(s->options.namespace_);
  std::string cursor = "0";
  do {
    const std::string scan = command_of("SCAN", cursor, "MATCH", pattern, "COUNT", "1000");
    const reply page = co_await command(s, scan);
    if (page.type != reply::kind::array || page.elements.size() != 2)
      throw Error(errc::protocol, s->server + " answered SCAN with something else than [cursor, keys]");
    cursor = page.elements[0].text;
    std::vector<std::string> keys;
    for (const reply& k : page.elements[1].elements) keys.push_back(k.text);
    if (!keys.empty()) co_await command(s, keys_command(*s.state, "UNLINK", keys, false));
  } while (cursor != "0");
}

asio::awaitable<std::vector<std::optional<std::string>>> get_many_op(session s, std::vector<std::string> keys) {
  std::vector<std::optional<std::string>> out;
  if (keys.empty()) co_return out;
  reply r = co_await command(s, keys_command(*s.state, "MGET", keys, true));
  if (r.type != reply::kind::array || r.elements.size() != keys.size())
    throw Error(errc::protocol, s->server + " answered MGET with " + std::to_string(r.elements.size()) +
                                    " values for " + std::to_string(keys.size()) + " keys");
  out.reserve(keys.size());
  for (reply& v : r.elements) out.push_back(v.is_nil() ? std::nullopt : std::optional<std::string>(std::move(v.text)));
  co_return out;
}

asio::awaitable<void> set_many_op(session s, std::vector<item> items, expiry expire) {
  if (items.empty()) co_return;
  std::string cmds;
  for (const auto& [key, value] : items) append_set(*s.state, cmds, key, value, expire);
  const std::vector<reply> replies = co_await send(s, std::move(cmds), items.size());
  for (const reply& r : replies) throw_if_error(r, s->server);
}

asio::awaitable<void> erase_many_op(session s, std::vector<std::string> keys) {
  if (keys.empty()) co_return;
  co_await command(s, keys_command(*s.state, "UNLINK", keys, true));
}

// ---- launching ----

template <class Handler, class T, class... Params, class... Args>
void launch(const state_ptr& s, budget b, Handler handler, diagnostics* diag,
            asio::awaitable<T> (*make_op)(session, Params...), Args&&... args) {
  std::lock_guard lock(s->mutex);
  if (s->closed)
    return detail::fail_at_once<Handler, T>(std::move(handler), diag, Error(errc::closed, "Redis backend is closed"));
  detail::admission a = detail::admit(*s->accounting, s->server);
  if (a.refusal) return detail::fail_at_once<Handler, T>(std::move(handler), diag, *a.refusal);
  detail::spawn_call(s->ioc.get_executor(), make_op(session{s, deadline_for(*s, b)}, std::forward<Args>(args)...),
                     std::move(handler), diag, s->accounting, a.ticket);
}

// Runs the call on the io thread and waits for it.
template <class T, class... Params, class... Args>
T run(const state_ptr& s, budget b, asio::awaitable<T> (*make_op)(session, Params...), Args&&... args) {
  if (s->ioc.get_executor().running_in_this_thread())
    throw std::logic_error(
        "a synchronous RedisBackend call was made on the backend's own I/O thread; use the async API there");
  std::future<T> result;
  detail::admission a;
  {
    std::lock_guard lock(s->mutex);
    if (s->closed) throw Error(errc::closed, "Redis backend is closed");
    a = detail::admit(*s->accounting, s->server);
    if (a.refusal) throw *a.refusal;
    result =
        asio::co_spawn(s->ioc, make_op(session{s, deadline_for(*s, b)}, std::forward<Args>(args)...), asio::use_future);
  }
  try {
    if constexpr (std::is_void_v<T>) {
      result.get();
      detail::settle(*s->accounting, a.ticket, {});
    } else {
      T value = result.get();
      detail::settle(*s->accounting, a.ticket, {});
      return value;
    }
  } catch (...) {
    detail::settle(*s->accounting, a.ticket, error_code_from(std::current_exception(), nullptr));
    throw;
  }
}

void check_options(const RedisOptions& o) {
  const auto invalid = [](const std::string& why) { throw Error(errc::invalid_argument, "RedisOptions: " + why); };
  if (o.host.empty()) invalid("host must not be empty");
  if (o.port == 0) invalid("port must not be 0");
  if (o.namespace_.empty()) invalid("namespace_ must not be empty");
  if (o.connections == 0) invalid("connections must be at least 1");
  for (const auto budget : {o.read_budget, o.write_budget, o.admin_budget, o.connect_timeout})
    if (budget.count() <= 0) invalid("budgets and connect_timeout must be positive");
  if (!o.username.empty() && o.password.empty()) invalid("a username needs a password");
}

std::shared_ptr<asio::ssl::context> tls_context(const RedisOptions& o) {
  if (!o.tls) return nullptr;
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  boost::system::error_code ec;
  if (o.ca_file.empty()) {
    context->set_default_verify_paths(ec);
  } else {
    context->load_verify_file(o.ca_file, ec);
  }
  if (ec) throw Error(errc::invalid_argument, "RedisOptions: cannot load CA certificates: " + ec.message());
  return context;
}

}  // namespace

RedisBackend::RedisBackend(RedisOptions options) : state_(std::make_shared<state>()) {
  check_options(options);
  state& s = *state_;
  auto settings = std::make_shared<connection_settings>();
  settings->host = options.host;
  settings->port = options.port;
  settings->username = options.username;
  settings->password = options.password;
  settings->db = options.db;
  settings->client_name = options.client_name;
  settings->tls = tls_context(options);
  settings->verify_tls = options.verify_tls;
  settings->connect_timeout = options.connect_timeout;
  s.server = "Redis at " + settings->address();
  s.accounting = std::make_shared<detail::call_accounting>(options.breaker);
  for (std::size_t i = 0; i < options.connections; ++i)
    s.connections.push_back(std::make_shared<connection>(s.ioc.get_executor(), settings));
  s.options = std::move(options);
  s.thread = std::thread([&s] { s.ioc.run(); });
}

RedisBackend::~RedisBackend() { close(); }

void RedisBackend::close() {
  state& s = *state_;
  {
    std::lock_guard lock(s.mutex);
    if (s.closed) return;
    s.closed = true;
  }
  // Fails requests in flight; the io thread then runs dry and ends.
  asio::post(s.ioc, [&s] {
    for (const auto& c : s.connections) c->close();
  });
  s.work.reset();
  if (s.thread.get_id() == std::this_thread::get_id())
    s.thread.detach();
  else
    s.thread.join();
}

std::optional<std::string> RedisBackend::get(std::string_view key) {
  return run(state_, budget::read, get_op, std::string(key));
}
void RedisBackend::set(std::string_view key, std::string_view value, expiry expire) {
  run(state_, budget::write, set_op, std::string(key), std::string(value), expire);
}
bool RedisBackend::has(std::string_view key) { return run(state_, budget::read, has_op, std::string(key)); }
void RedisBackend::erase(std::string_view key) { run(state_, budget::write, erase_op, std::string(key)); }
void RedisBackend::clear() { run(state_, budget::admin, clear_op); }
std::vector<std::optional<std::string>> RedisBackend::get_many(std::span<const std::string> keys) {
  return run(state_, budget::read, get_many_op, std::vector<std::string>(keys.begin(), keys.end()));
}
void RedisBackend::set_many(std::span<const item> items, expiry expire) {
  run(state_, budget::write, set_many_op, std::vector<item>(items.begin(), items.end()), expire);
}
void RedisBackend::erase_many(std::span<const std::string> keys) {
  run(state_, budget::write, erase_many_op, std::vector<std::string>(keys.begin(), keys.end()));
}

void RedisBackend::do_async_get(std::string key, diagnostics* diag, get_handler handler) {
  launch(state_, budget::read, std::move(handler), diag, get_op, std::move(key));
}
void RedisBackend::do_async_set(std::string key, std::string value, expiry expire, diagnostics* diag,
                                done_handler handler) {
  launch(state_, budget::write, std::move(handler), diag, set_op, std::move(key), std::move(value), expire);
}
void RedisBackend::do_async_has(std::string key, diagnostics* diag, has_handler handler) {
  launch(state_, budget::read, std::move(handler), diag, has_op, std::move(key));
}
void RedisBackend::do_async_erase(std::string key, diagnostics* diag, done_handler handler) {
  launch(state_, budget::write, std::move(handler), diag, erase_op, std::move(key));
}
void RedisBackend::do_async_clear(diagnostics* diag, done_handler handler) {
  launch(state_, budget::admin, std::move(handler), diag, clear_op);
}
void RedisBackend::do_async_get_many(std::vector<std::string> keys, diagnostics* diag, get_many_handler handler) {
  launch(state_, budget::read, std::move(handler), diag, get_many_op, std::move(keys));
}
void RedisBackend::do_async_set_many(std::vector<item> items, expiry expire, diagnostics* diag, done_handler handler) {
  launch(state_, budget::write, std::move(handler), diag, set_many_op, std::move(items), expire);
}
void RedisBackend::do_async_erase_many(std::vector<std::string> keys, diagnostics* diag, done_handler handler) {
  launch(state_, budget::write, std::move(handler), diag, erase_many_op, std::move(keys));
}

const std::string& RedisBackend::namespace_name() const noexcept { return state_->options.namespace_; }
backend_stats RedisBackend::stats() const { return state_->accounting->counters.snapshot(state_->accounting->breaker); }

}  // namespace fast_cache
