#include "redis/cluster.hpp"
#include "redis/commands.hpp"
#include "redis/connection.hpp"
#include "redis/pubsub.hpp"
#include "redis/reply.hpp"
#include "redis/router.hpp"
#include "redis/subscriber.hpp"

#include "core/remote_calls.hpp"

#include <fast_cache/redis_backend.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <future>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <thread>
#include <utility>

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
  std::shared_ptr<const connection_settings> settings;
  std::vector<node_address> seeds;
  std::optional<router> routes;                        // used on the io thread only
  std::vector<std::weak_ptr<subscriber>> subscribers;  // on the io thread only
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

// One command from its arguments. Built outside the coroutines: g++ 12 miscompiles braced lists
// in them.
template <class... Args>
std::string command_of(const Args&... args) {
  const std::string_view argv[] = {std::string_view(args)...};
  std::string out;
  append_command(out, argv);
  return out;
}

// Waits before trying a cluster again (a failover or a migration in progress): 10 ms, doubling,
// within the budget.
asio::awaitable<void> pause(session s, int attempt) {
  const auto wait = std::chrono::milliseconds(10) * (1 << std::min(attempt, 6));
  if (steady_clock::now() + wait >= s.deadline)
    throw Error(errc::timeout, s->server + ": the cluster did not settle within the budget");
  asio::steady_timer timer(s->ioc.get_executor(), wait);
  co_await timer.async_wait(asio::use_awaitable);
}

std::string asking_command() { return command_of("ASKING"); }

// A cluster in transition (a failover, a slot being imported): the same command succeeds later.
bool is_transient(const reply& r) { return r.error_code() == "TRYAGAIN" || r.error_code() == "CLUSTERDOWN"; }

// One command and the slot of its keys (0 on a standalone server).
struct routed_command {
  std::uint16_t slot = 0;
  std::string bytes;
};

// Commands of one call bound for one node, sent in one exchange; with ASKING before each when
// they follow an ASK, since ASKING covers the next command only.
struct node_batch {
  node_address node;
  bool asking = false;
  std::vector<std::size_t> members;  // positions in the call's commands
};

void add_to_batch(std::vector<node_batch>& batches, const node_address& node, bool asking, std::size_t i) {
  for (node_batch& b : batches) {
    if (b.asking == asking && b.node == node) {
      b.members.push_back(i);
      return;
    }
  }
  batches.push_back(node_batch{node, asking, {i}});
}

std::string concatenated(const std::vector<routed_command>& commands) {
  std::string out;
  for (const routed_command& c : commands) out += c.bytes;
  return out;
}

std::string batch_bytes(const node_batch& b, const std::vector<routed_command>& commands) {
  std::string out;
  const std::string asking = b.asking ? asking_command() : std::string();
  for (const std::size_t i : b.members) {
    out += asking;
    out += commands[i].bytes;
  }
  return out;
}

// Sends commands, on keys of any slots, and returns one reply per command, error replies
// included. Standalone: one exchange. Cluster: each master's commands go together in one exchange,
// so a call over thousands of keys costs a round trip per master, not one per slot. A command
// answered MOVED goes again once the slot map is updated; ASK, to the migrating slot's target
// with ASKING; TRYAGAIN, CLUSTERDOWN or an unreachable node (a failover) make the map be read
// again and the commands go again after a pause. Only the commands so answered go again: a SET
// that a migrating slot's source served must not be repeated at its target. All within the
// call's budget, each retry counted.
asio::awaitable<std::vector<reply>> send(session s, std::vector<routed_command> commands) {
  constexpr int max_attempts = 6;
  router& routes = *s->routes;
  if (commands.empty()) co_return std::vector<reply>();  // get_many({}): nothing to wait for
  if (!routes.clustered()) {                             // one server: one exchange, nothing to route or retry
    std::string bytes = commands.size() == 1 ? std::move(commands.front().bytes) : concatenated(commands);
    const std::shared_ptr<connection> c = routes.for_node(*routes.master_of(0));
    co_return co_await c->exchange(std::move(bytes), commands.size(), s.deadline);
  }
  std::vector<reply> out(commands.size());
  std::vector<std::size_t> pending(commands.size());
  std::iota(pending.begin(), pending.end(), std::size_t{0});
  std::vector<node_batch> asks;
  for (int attempt = 1;; ++attempt) {
    const bool last = attempt == max_attempts;
    co_await routes.ready(s.deadline);
    std::vector<node_batch> batches;
    batches.swap(asks);  // the commands that follow an ASK go first
    bool wait = false;
    std::vector<std::size_t> unassigned;  // slots no master serves yet: a cluster forming or resharding
    for (const std::size_t i : pending) {
      if (const node_address* master = routes.master_of(commands[i].slot)) {
        add_to_batch(batches, *master, false, i);
      } else if (last) {
        throw Error(errc::unavailable, s->server + ": no master serves slot " + std::to_string(commands[i].slot));
      } else {
        s->accounting->counters.retried();
        unassigned.push_back(i);
        wait = true;
      }
    }
    pending.swap(unassigned);
    for (const node_batch& b : batches) {
      // The last attempt may take a lone command's bytes.
      std::string bytes = last && b.members.size() == 1 && !b.asking ? std::move(commands[b.members.front()].bytes)
                                                                     : batch_bytes(b, commands);
      const std::shared_ptr<connection> c = routes.for_node(b.node);
      const std::size_t expected = b.members.size() * (b.asking ? 2 : 1);
      std::vector<reply> replies;
      try {
        replies = co_await c->exchange(std::move(bytes), expected, s.deadline);
      } catch (const Error& e) {
        if (e.code() != errc::unavailable || last) throw;
        routes.invalidate();
      }
      if (replies.empty()) {  // unreachable: a failover, perhaps
        for (std::size_t k = 0; k < b.members.size(); ++k) s->accounting->counters.retried();
        pending.insert(pending.end(), b.members.begin(), b.members.end());
        wait = true;
        continue;
      }
      for (std::size_t k = 0; k < b.members.size(); ++k) {
        reply& r = replies[b.asking ? 2 * k + 1 : k];  // after ASKING's +OK
        const std::size_t i = b.members[k];
        if (!last) {
          if (const auto redirect = parse_redirect(r)) {
            s->accounting->counters.retried();
            if (redirect->ask) {
              add_to_batch(asks, redirect->to, true, i);
            } else {
              routes.moved(*redirect);
              pending.push_back(i);
            }
            continue;
          }
          if (is_transient(r)) {
            s->accounting->counters.retried();
            routes.invalidate();
            pending.push_back(i);
            wait = true;
            continue;
          }
        }
        out[i] = std::move(r);
      }
    }
    if (pending.empty() && asks.empty()) co_return out;
    if (wait) co_await pause(s, attempt);
  }
}

// Commands on keys of one slot.
template <class... Commands>
std::vector<routed_command> on_slot(std::uint16_t slot, Commands... commands) {
  std::vector<routed_command> out;
  out.reserve(sizeof...(commands));
  (out.push_back(routed_command{slot, std::move(commands)}), ...);
  return out;
}

// One command on a key of `slot`, error replies thrown.
asio::awaitable<reply> command(session s, std::uint16_t slot, std::string bytes) {
  std::vector<routed_command> one = on_slot(slot, std::move(bytes));
  std::vector<reply> replies = co_await send(s, std::move(one));
  throw_if_error(replies.front(), s->server);
  co_return std::move(replies.front());
}

std::string key_of(const RedisBackend::state& s, std::string_view key) {
  validate_key(key);
  return namespaced_key(s.options.namespace_, key);
}

// The slot of a Redis key, or 0 on a standalone server, which has none.
std::uint16_t slot_of(const RedisBackend::state& s, std::string_view redis_key) {
  return s.routes->clustered() ? key_slot(redis_key) : 0;
}

enum class set_mode { always, only_if_absent };

// SET key value [PX ms] [NX]: the command of one store and its key's slot, checking the value's
// size first.
routed_command set_command(const RedisBackend::state& s, std::string_view key, std::string_view value, expiry expire,
                           set_mode mode = set_mode::always) {
  const std::string redis_key = key_of(s, key);
  if (value.size() > s.options.max_value_bytes)
    throw Error(errc::value_too_large, "value of " + std::to_string(value.size()) + " bytes is over the " +
                                           std::to_string(s.options.max_value_bytes) +
                                           "-byte limit of a Redis string (proto-max-bulk-len)");
  const auto lifetime = effective_expiry(expire, s.options.default_expire);
  const bool nx = mode == set_mode::only_if_absent;
  routed_command out;
  out.slot = slot_of(s, redis_key);
  if (!lifetime) {
    out.bytes = nx ? command_of("SET", redis_key, value, "NX") : command_of("SET", redis_key, value);
    return out;
  }
  const std::string ms = std::to_string(std::max<std::int64_t>(1, lifetime->count()));
  out.bytes = nx ? command_of("SET", redis_key, value, "PX", ms, "NX") : command_of("SET", redis_key, value, "PX", ms);
  return out;
}

// Compare-and-delete in one step on the server: a GET then DEL from here could delete an entry
// another process wrote in between.
constexpr std::string_view erase_if_equal_script =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

// A command over many keys: `verb key...`.
std::string keys_command(std::string_view verb, const std::vector<std::string>& keys) {
  std::vector<std::string_view> args;
  args.reserve(keys.size() + 1);
  args.push_back(verb);
  args.insert(args.end(), keys.begin(), keys.end());
  std::string out;
  append_command(out, args);
  return out;
}

// `verb key` for each key, pipelined.
std::string each_key_command(std::string_view verb, const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& k : keys) out += command_of(verb, k);
  return out;
}

// Positions of keys grouped by slot: multi-key commands must stay within one slot on a cluster.
std::map<std::uint16_t, std::vector<std::size_t>> by_slot(const RedisBackend::state& s,
                                                          const std::vector<std::string>& redis_keys) {
  std::map<std::uint16_t, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < redis_keys.size(); ++i) groups[slot_of(s, redis_keys[i])].push_back(i);
  return groups;
}

std::vector<std::string> redis_keys_of(const RedisBackend::state& s, const std::vector<std::string>& keys) {
  std::vector<std::string> out;
  out.reserve(keys.size());
  for (const std::string& k : keys) out.push_back(key_of(s, k));
  return out;
}

template <class T>
std::vector<T> pick(const std::vector<T>& all, const std::vector<std::size_t>& positions) {
  std::vector<T> out;
  out.reserve(positions.size());
  for (const std::size_t i : positions) out.push_back(all[i]);
  return out;
}

// `verb key...` for each slot of redis_keys, on the slot's keys: multi-key commands must stay
// within one slot on a cluster. With the positions of each command's keys.
std::pair<std::vector<routed_command>, std::vector<std::vector<std::size_t>>> per_slot_command(
    const RedisBackend::state& s, std::string_view verb, const std::vector<std::string>& redis_keys) {
  std::pair<std::vector<routed_command>, std::vector<std::vector<std::size_t>>> out;
  for (auto& [slot, positions] : by_slot(s, redis_keys)) {
    out.first.push_back(routed_command{slot, keys_command(verb, pick(redis_keys, positions))});
    out.second.push_back(std::move(positions));
  }
  return out;
}

// ---- operations: named coroutines with by-value parameters (GCC PR 100611) ----

asio::awaitable<std::optional<std::string>> get_op(session s, std::string key) {
  const std::string redis_key = key_of(*s.state, key);
  reply r = co_await command(s, slot_of(*s.state, redis_key), command_of("GET", redis_key));
  if (r.is_nil()) co_return std::nullopt;
  co_return std::move(r.text);
}

// One round trip: both commands go in one pipeline on one connection.
asio::awaitable<value_with_ttl> get_with_ttl_op(session s, std::string key) {
  const std::string redis_key = key_of(*s.state, key);
  std::vector<routed_command> both =
      on_slot(slot_of(*s.state, redis_key), command_of("GET", redis_key), command_of("PTTL", redis_key));
  std::vector<reply> replies = co_await send(s, std::move(both));
  for (const reply& r : replies) throw_if_error(r, s->server);
  co_return value_with_pttl(std::move(replies[0]), replies[1]);
}

asio::awaitable<void> set_op(session s, std::string key, std::string value, expiry expire) {
  routed_command set = set_command(*s.state, key, value, expire);
  co_await command(s, set.slot, std::move(set.bytes));
}

asio::awaitable<bool> set_if_absent_op(session s, std::string key, std::string value, expiry expire) {
  routed_command set = set_command(*s.state, key, value, expire, set_mode::only_if_absent);
  const reply r = co_await command(s, set.slot, std::move(set.bytes));
  co_return !r.is_nil();  // +OK when stored, nil when a live entry was there
}

asio::awaitable<bool> erase_if_equal_op(session s, std::string key, std::string value) {
  const std::string redis_key = key_of(*s.state, key);
  const reply r = co_await command(s, slot_of(*s.state, redis_key),
                                   command_of("EVAL", erase_if_equal_script, "1", redis_key, value));
  co_return r.integer > 0;
}

asio::awaitable<bool> has_op(session s, std::string key) {
  const std::string redis_key = key_of(*s.state, key);
  const reply r = co_await command(s, slot_of(*s.state, redis_key), command_of("EXISTS", redis_key));
  co_return r.integer > 0;
}

asio::awaitable<void> erase_op(session s, std::string key) {
  const std::string redis_key = key_of(*s.state, key);
  co_await command(s, slot_of(*s.state, redis_key), command_of("UNLINK", redis_key));
}

// SCAN with MATCH on every master visits every key of the namespace (and some twice: UNLINK does
// not mind), never another namespace's: the pattern escapes the namespace's glob characters.
asio::awaitable<void> clear_op(session s) {
  const std::string pattern = namespace_pattern(s->options.namespace_);
  const std::vector<node_address> masters = co_await s->routes->masters(s.deadline);
  for (const node_address& node : masters) {
    std::string cursor = "0";
    do {
      const std::string scan = command_of("SCAN", cursor, "MATCH", pattern, "COUNT", "1000");
      const std::vector<reply> answer = co_await s->routes->for_node(node)->exchange(scan, 1, s.deadline);
      const reply& page = answer.front();
      throw_if_error(page, s->server);
      if (page.type != reply::kind::array || page.elements.size() != 2)
        throw Error(errc::protocol, s->server + " answered SCAN with something else than [cursor, keys]");
      cursor = page.elements[0].text;
      std::vector<std::string> keys;
      for (const reply& k : page.elements[1].elements) keys.push_back(k.text);
      if (keys.empty()) continue;
      // One UNLINK per key: on a cluster a node's keys span many slots.
      const std::vector<reply> removed =
          co_await s->routes->for_node(node)->exchange(each_key_command("UNLINK", keys), keys.size(), s.deadline);
      for (const reply& r : removed) {
        if (!parse_redirect(r)) throw_if_error(r, s->server);  // a key migrating away goes with its slot
      }
    } while (cursor != "0");
  }
}

asio::awaitable<std::vector<std::optional<std::string>>> get_many_op(session s, std::vector<std::string> keys) {
  std::vector<std::optional<std::string>> out(keys.size());
  auto mget = per_slot_command(*s.state, "MGET", redis_keys_of(*s.state, keys));
  const std::vector<std::vector<std::size_t>> positions = std::move(mget.second);
  std::vector<reply> replies = co_await send(s, std::move(mget.first));
  for (std::size_t c = 0; c < replies.size(); ++c) {
    reply& r = replies[c];
    const std::vector<std::size_t>& keys_of_command = positions[c];
    throw_if_error(r, s->server);
    if (r.type != reply::kind::array || r.elements.size() != keys_of_command.size())
      throw Error(errc::protocol, s->server + " answered MGET with " + std::to_string(r.elements.size()) +
                                      " values for " + std::to_string(keys_of_command.size()) + " keys");
    for (std::size_t i = 0; i < keys_of_command.size(); ++i) {
      if (!r.elements[i].is_nil()) out[keys_of_command[i]] = std::move(r.elements[i].text);
    }
  }
  co_return out;
}

// One SET per item: a cluster sends each master's together (send), and a migrating slot's
// commands go to whichever node holds each key.
std::vector<routed_command> set_commands(const RedisBackend::state& s, const std::vector<item>& items, expiry expire) {
  std::vector<routed_command> out;
  out.reserve(items.size());
  for (const auto& [key, value] : items) out.push_back(set_command(s, key, value, expire));
  return out;
}

asio::awaitable<void> set_many_op(session s, std::vector<item> items, expiry expire) {
  std::vector<routed_command> commands = set_commands(*s.state, items, expire);
  const std::vector<reply> replies = co_await send(s, std::move(commands));
  for (const reply& r : replies) throw_if_error(r, s->server);
}

asio::awaitable<void> publish_op(session s, std::string channel, std::string message) {
  co_await command(s, slot_of(*s.state, channel), command_of("PUBLISH", channel, message));
}

asio::awaitable<void> erase_many_op(session s, std::vector<std::string> keys) {
  auto unlink = per_slot_command(*s.state, "UNLINK", redis_keys_of(*s.state, keys));
  const std::vector<reply> replies = co_await send(s, std::move(unlink.first));
  for (const reply& r : replies) throw_if_error(r, s->server);
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
  detail::admission a;
  std::optional<detail::blocking_call<T>> call;
  {
    // Started under the lock: close() cannot end the I/O thread before the call is queued there.
    std::lock_guard lock(s->mutex);
    if (s->closed) throw Error(errc::closed, "Redis backend is closed");
    a = detail::admit(*s->accounting, s->server);
    if (a.refusal) throw *a.refusal;
    call.emplace(s->ioc.get_executor(), make_op(session{s, deadline_for(*s, b)}, std::forward<Args>(args)...));
  }
  try {
    if constexpr (std::is_void_v<T>) {
      call->wait();
      detail::settle(*s->accounting, a.ticket, {});
    } else {
      T value = call->wait();
      detail::settle(*s->accounting, a.ticket, {});
      return value;
    }
  } catch (...) {
    detail::settle(*s->accounting, a.ticket, error_code_from(std::current_exception(), nullptr));
    throw;
  }
}

// ---- the invalidation channel ----

// Where a subscription may be made: the server, or each seed node of a cluster.
std::vector<std::shared_ptr<const connection_settings>> subscription_nodes(const RedisBackend::state& s) {
  if (s.seeds.empty()) return {s.settings};
  std::vector<std::shared_ptr<const connection_settings>> out;
  for (const node_address& node : s.seeds) {
    auto settings = std::make_shared<connection_settings>(*s.settings);
    settings->host = node.host;
    settings->port = node.port;
    out.push_back(std::move(settings));
  }
  return out;
}

struct start_subscription {
  state_ptr s;
  std::shared_ptr<subscriber> sub;
  void operator()() const {
    s->subscribers.push_back(sub);
    sub->start();
  }
};
struct stop_subscription {
  std::shared_ptr<subscriber> sub;
  void operator()() const { sub->stop(); }
};
class redis_invalidation_bus final : public invalidation_bus {
 public:
  explicit redis_invalidation_bus(state_ptr s)
      : s_(std::move(s)), channel_(invalidation_channel(s_->options.db, s_->options.namespace_)) {}
  ~redis_invalidation_bus() override { close(); }

  void listen(listener l) override {
    const std::lock_guard lock(s_->mutex);
    if (s_->closed || sub_) return;
    sub_ = std::make_shared<subscriber>(s_->ioc.get_executor(), subscription_nodes(*s_), channel_, std::move(l),
                                        subscriber::timing{});
    asio::post(s_->ioc, start_subscription{s_, sub_});
  }

  void publish(std::string message) override { run(s_, budget::write, publish_op, channel_, std::move(message)); }
  void async_publish(std::string message,
                     asio::any_completion_handler<void(boost::system::error_code)> handler) override {
    launch(s_, budget::write, std::move(handler), nullptr, publish_op, channel_, std::move(message));
  }

  void close() override {
    std::shared_ptr<subscriber> sub;
    {
      const std::lock_guard lock(s_->mutex);
      sub = std::exchange(sub_, nullptr);
    }
    if (!sub) return;
    sub->mute();
    asio::post(s_->ioc, stop_subscription{std::move(sub)});
  }

 private:
  state_ptr s_;
  std::string channel_;
  std::shared_ptr<subscriber> sub_;  // guarded by s_->mutex
};

void check_options(const RedisOptions& o) {
  const auto invalid = [](const std::string& why) { throw Error(errc::invalid_argument, "RedisOptions: " + why); };
  if (o.host.empty()) invalid("host must not be empty");
  if (o.port == 0) invalid("port must not be 0");
  if (o.namespace_.empty()) invalid("namespace_ must not be empty");
  if (o.connections == 0) invalid("connections must be at least 1");
  for (const auto budget : {o.read_budget, o.write_budget, o.admin_budget, o.connect_timeout})
    if (budget.count() <= 0) invalid("budgets and connect_timeout must be positive");
  if (!o.username.empty() && o.password.empty()) invalid("a username needs a password");
  if (!o.cluster_nodes.empty() && o.db != 0) invalid("a cluster has only database 0");
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
  std::vector<node_address> seeds;
  for (const std::string& node : options.cluster_nodes) {
    auto address = parse_node_address(node);
    if (!address) throw Error(errc::invalid_argument, "RedisOptions: cluster node \"" + node + "\" is not host:port");
    seeds.push_back(std::move(*address));
  }
  if (!seeds.empty()) s.server = "Redis Cluster at " + seeds.front().text();
  s.settings = settings;
  s.seeds = seeds;
  s.routes.emplace(s.ioc.get_executor(), settings, options.connections, std::move(seeds));
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
    s.routes->close();
    for (const auto& weak : s.subscribers) {
      if (const auto sub = weak.lock()) sub->stop();
    }
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
value_with_ttl RedisBackend::get_with_ttl(std::string_view key) {
  return run(state_, budget::read, get_with_ttl_op, std::string(key));
}
void RedisBackend::set(std::string_view key, std::string_view value, expiry expire) {
  run(state_, budget::write, set_op, std::string(key), std::string(value), expire);
}
bool RedisBackend::has(std::string_view key) { return run(state_, budget::read, has_op, std::string(key)); }
void RedisBackend::erase(std::string_view key) { run(state_, budget::write, erase_op, std::string(key)); }
void RedisBackend::clear() { run(state_, budget::admin, clear_op); }
bool RedisBackend::supports_conditional_writes() const noexcept { return true; }
bool RedisBackend::set_if_absent(std::string_view key, std::string_view value, expiry expire) {
  return run(state_, budget::write, set_if_absent_op, std::string(key), std::string(value), expire);
}
bool RedisBackend::erase_if_equal(std::string_view key, std::string_view value) {
  return run(state_, budget::write, erase_if_equal_op, std::string(key), std::string(value));
}
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
void RedisBackend::do_async_get_with_ttl(std::string key, diagnostics* diag, get_with_ttl_handler handler) {
  launch(state_, budget::read, std::move(handler), diag, get_with_ttl_op, std::move(key));
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
void RedisBackend::do_async_set_if_absent(std::string key, std::string value, expiry expire, diagnostics* diag,
                                          has_handler handler) {
  launch(state_, budget::write, std::move(handler), diag, set_if_absent_op, std::move(key), std::move(value), expire);
}
void RedisBackend::do_async_erase_if_equal(std::string key, std::string value, diagnostics* diag, has_handler handler) {
  launch(state_, budget::write, std::move(handler), diag, erase_if_equal_op, std::move(key), std::move(value));
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
std::shared_ptr<invalidation_bus> RedisBackend::invalidations() {
  return std::make_shared<redis_invalidation_bus>(state_);
}
backend_stats RedisBackend::stats() const { return state_->accounting->counters.snapshot(state_->accounting->breaker); }

}  // namespace fast_cache
