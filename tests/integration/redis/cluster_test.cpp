// RedisBackend on a 6-node Redis Cluster (scripts/services redis-cluster): keys over every slot,
// a slot migrated while callers keep calling (ASK, then MOVED), and a replica promoted by
// failover while callers keep calling. Every call ends within its budget, and every write the
// cluster acknowledged is read back.
#include "redis/cluster.hpp"

#include <fast_cache/redis_backend.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

namespace fast_cache {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

std::vector<std::uint16_t> cluster_ports() {
  std::istringstream in(env("FAST_CACHE_REDIS_CLUSTER_PORTS"));
  std::vector<std::uint16_t> ports;
  for (unsigned p; in >> p;) ports.push_back(static_cast<std::uint16_t>(p));
  return ports;
}

// redis-cli against one node; its output.
std::string cli(std::uint16_t port, const std::string& args) {
  const std::string command = "redis-cli -p " + std::to_string(port) + " " + args + " 2>&1";
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    ::pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

struct node_info {
  std::string id;
  std::uint16_t port = 0;
  bool master = false;
  std::string master_id;      // for a replica
  bool serves_slots = false;  // a master with slot ranges (a demoted one has none)
};

std::vector<node_info> cluster_nodes(std::uint16_t any_port) {
  std::vector<node_info> out;
  std::istringstream lines(cli(any_port, "cluster nodes"));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string id, address, flags, master, ping, pong, epoch, link, slots;
    fields >> id >> address >> flags >> master >> ping >> pong >> epoch >> link >> slots;
    if (flags.find("fail") != std::string::npos) continue;
    node_info n{id, static_cast<std::uint16_t>(std::stoi(address.substr(address.find(':') + 1, address.find('@')))),
                flags.find("master") != std::string::npos, master == "-" ? "" : master, !slots.empty()};
    out.push_back(n);
  }
  return out;
}

// The master serving `slot`, by its port: from CLUSTER NODES, whose master lines end with their
// slot ranges ("0-5460", "5461", and "[slot->-id]" markers during a migration).
std::uint16_t master_of_slot(std::uint16_t any_port, std::uint16_t slot) {
  std::istringstream lines(cli(any_port, "cluster nodes"));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string w; fields >> w;) f.push_back(w);
    if (f.size() < 9 || f[2].find("master") == std::string::npos || f[2].find("fail") != std::string::npos) continue;
    for (std::size_t i = 8; i < f.size(); ++i) {
      if (f[i].starts_with('[')) continue;
      const auto dash = f[i].find('-');
      const unsigned first = static_cast<unsigned>(std::stoul(f[i].substr(0, dash)));
      const unsigned last =
          dash == std::string::npos ? first : static_cast<unsigned>(std::stoul(f[i].substr(dash + 1)));
      if (slot >= first && slot <= last)
        return static_cast<std::uint16_t>(std::stoi(f[1].substr(f[1].find(':') + 1, f[1].find('@'))));
    }
  }
  return 0;
}

// Whether every node agrees on the cluster's shape: three masters serving slots, each saying it is a
// master, and their replicas saying they are replicas (right after a failover, views lag).
bool settled(std::uint16_t any_port) {
  int masters = 0;
  for (const node_info& n : cluster_nodes(any_port)) {
    const std::string role = cli(n.port, "role");
    if (n.master && n.serves_slots) ++masters;
    if (n.master != role.starts_with("master")) return false;
  }
  return masters == 3 && cli(any_port, "cluster info").find("cluster_state:ok") != std::string::npos;
}

// A slot on its way from the master serving it to another master, moved as a reshard moves it:
// the target imports it, the source migrates it, its keys go over (calls then meet ASK for the
// keys already gone), and every master is told the new owner (calls then meet MOVED).
class slot_move {
 public:
  slot_move() = default;
  slot_move(const slot_move&) = delete;
  slot_move& operator=(const slot_move&) = delete;
  /// A move a failed check left half-done gives the slot back to its source, so later tests on
  /// the same cluster start from a settled one.
  ~slot_move() {
    if (!started_ || finished_) return;
    cli(to_.port, "cluster setslot " + slot_ + " stable");
    cli(from_.port, "cluster setslot " + slot_ + " stable");
  }

  /// Starts moving `slot` to a master other than `avoid`; false when its master or another one
  /// is not found.
  bool begin(std::uint16_t any_port, std::uint16_t slot, std::uint16_t avoid = 0) {
    slot_ = std::to_string(slot);
    const std::uint16_t source = master_of_slot(any_port, slot);
    nodes_ = cluster_nodes(any_port);
    const node_info* from = nullptr;
    const node_info* to = nullptr;
    for (const auto& n : nodes_) {
      if (n.master && n.serves_slots && n.port != source && n.port != avoid && to == nullptr) to = &n;
      if (n.port == source) from = &n;
    }
    if (source == 0 || from == nullptr || to == nullptr) return false;
    from_ = *from;
    to_ = *to;
    started_ = true;
    EXPECT_EQ(cli(to_.port, "cluster setslot " + slot_ + " importing " + from_.id), "OK");
    EXPECT_EQ(cli(from_.port, "cluster setslot " + slot_ + " migrating " + to_.id), "OK");
    return true;
  }
  /// Moves `count` of the slot's keys to the target, or all of them.
  void migrate_keys(std::size_t count = std::numeric_limits<std::size_t>::max()) {
    while (count > 0) {
      const std::size_t batch = std::min<std::size_t>(count, 100);
      std::istringstream keys(cli(from_.port, "cluster getkeysinslot " + slot_ + " " + std::to_string(batch)));
      std::string list;
      std::size_t listed = 0;
      for (std::string k; std::getline(keys, k); ++listed) list += " '" + k + "'";
      if (listed == 0) return;
      EXPECT_EQ(cli(from_.port, "migrate 127.0.0.1 " + std::to_string(to_.port) + " '' 0 5000 keys" + list), "OK");
      count -= std::min(count, listed);
    }
  }
  /// Every master is told the target serves the slot now.
  void finish() {
    for (const auto& n : nodes_) {
      if (n.master) EXPECT_EQ(cli(n.port, "cluster setslot " + slot_ + " node " + to_.id), "OK");
    }
    finished_ = true;
  }
  [[nodiscard]] std::uint16_t source() const noexcept { return from_.port; }
  [[nodiscard]] std::uint16_t target() const noexcept { return to_.port; }

 private:
  std::string slot_;
  std::vector<node_info> nodes_;
  node_info from_;
  node_info to_;
  bool started_ = false;
  bool finished_ = false;
};

class RedisClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (env("FAST_CACHE_REDIS_CLUSTER_URL").empty())
      GTEST_SKIP() << "FAST_CACHE_REDIS_CLUSTER_URL is not set: the cluster is not running (scripts/services)";
    ports = cluster_ports();
    ASSERT_EQ(ports.size(), 6U);
    bool ready = false;
    for (int i = 0; i < 100 && !ready; ++i) {
      ready = settled(ports[0]);
      if (!ready) std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(ready) << "the cluster did not settle";
    RedisOptions o = redis_options_from_url(env("FAST_CACHE_REDIS_CLUSTER_URL"));
    o.namespace_ =
        "cluster-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    o.read_budget = 1000ms;  // generous: a loaded 2-core machine, and a cluster in transition
    o.write_budget = 1000ms;
    backend = std::make_unique<RedisBackend>(o);
    budget = 1000ms;
  }
  void TearDown() override {
    if (backend) backend->clear();
  }

  // Runs calls on keys of one hash tag (one slot) from a thread while `during` runs, and checks:
  // every call ended within its budget, and every acknowledged write is read back afterwards.
  void under_load(const std::string& tag, const std::function<void()>& during) {
    std::atomic<bool> stop{false};
    std::atomic<int> ok{0}, failed{0}, slow{0};
    std::mutex mutex;
    std::map<std::string, std::string> acknowledged;
    std::thread load([&] {
      for (int i = 0; !stop; ++i) {
        const std::string key = "{" + tag + "}k" + std::to_string(i % 50);
        const std::string value = "v" + std::to_string(i);
        const auto start = clock_type::now();
        try {
          backend->set(key, value, 60s);
          {
            std::lock_guard lock(mutex);
            acknowledged[key] = value;
          }
          (void)backend->get(key);
          ++ok;
        } catch (const Error&) {
          ++failed;
          std::lock_guard lock(mutex);
          acknowledged.erase(key);  // unknown whether it landed
        }
        if (clock_type::now() - start > 2 * budget + 500ms) ++slow;
      }
    });
    std::this_thread::sleep_for(100ms);
    during();
    std::this_thread::sleep_for(300ms);
    stop = true;
    load.join();
    EXPECT_GT(ok.load(), 0);
    EXPECT_EQ(slow.load(), 0) << "every call ends within its budget";
    std::lock_guard lock(mutex);
    for (const auto& [key, value] : acknowledged) EXPECT_EQ(backend->get(key), value) << key;
    std::printf("  %d calls answered, %d failed open, %llu redirected or retried during the change\n", ok.load(),
                failed.load(), static_cast<unsigned long long>(backend->stats().retries));
  }

  std::vector<std::uint16_t> ports;
  std::unique_ptr<RedisBackend> backend;
  std::chrono::milliseconds budget{};
};

TEST_F(RedisClusterTest, KeysOverEverySlotAndEveryMaster) {
  std::vector<item> items;
  std::vector<std::string> keys;
  for (int i = 0; i < 3000; ++i) {
    keys.push_back("k" + std::to_string(i));
    items.emplace_back(keys.back(), "v" + std::to_string(i));
  }
  backend->set_many(items, 60s);
  const auto values = backend->get_many(keys);
  for (std::size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(values[i], items[i].second) << keys[i];
  // Every master holds some of them.
  int masters = 0, masters_with_keys = 0;
  for (const node_info& n : cluster_nodes(ports[0])) {
    if (!n.master || !n.serves_slots) continue;
    ++masters;
    if (std::stoi(cli(n.port, "dbsize")) > 0) ++masters_with_keys;
  }
  EXPECT_EQ(masters, 3);
  EXPECT_EQ(masters_with_keys, 3);
  backend->erase_many(std::vector<std::string>(keys.begin(), keys.begin() + 1000));
  EXPECT_FALSE(backend->has("k0"));
  EXPECT_TRUE(backend->has("k2999"));
  backend->clear();
  EXPECT_FALSE(backend->has("k2999"));
}

TEST_F(RedisClusterTest, ASlotMigratedDuringLoad) {
  const std::string tag = "migrate" + std::to_string(::getpid());
  // The slot of this test's keys (the namespace is outside the hash tag).
  const std::uint16_t slot = redis::key_slot("{" + tag + "}");
  slot_move move;
  under_load(tag, [&] {
    ASSERT_TRUE(move.begin(ports[0], slot));
    std::this_thread::sleep_for(100ms);  // calls meet the migration (ASK)
    move.migrate_keys();
    move.finish();
  });
  EXPECT_EQ(master_of_slot(ports[0], slot), move.target()) << "the slot moved";
  EXPECT_GT(backend->stats().retries, 0U) << "calls met the migration (ASK or MOVED)";
}

// Many-key calls send each master's commands together: the commands on a slot that is moving,
// or that moved behind the backend's back, are answered ASK or MOVED inside those pipelines, and
// only those go again, where their keys now live.
TEST_F(RedisClusterTest, ManyKeyCallsFollowASlotThatMoves) {
  const std::string tag = "many" + std::to_string(::getpid());
  const std::uint16_t slot = redis::key_slot("{" + tag + "}");
  std::vector<item> items;
  std::vector<std::string> keys;
  for (int i = 0; i < 300; ++i) {
    keys.push_back(i % 3 == 0 ? "{" + tag + "}k" + std::to_string(i) : "k" + std::to_string(i));
    items.emplace_back(keys.back(), "v" + std::to_string(i));
  }
  const auto expect_values = [&](const char* when) {
    const auto values = backend->get_many(keys);
    for (std::size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(values[i], items[i].second) << keys[i] << " " << when;
  };
  const auto set_all = [&](const char* suffix) {
    for (auto& [key, value] : items) value = value.substr(0, value.find('-')) + suffix;
    backend->set_many(items, 60s);
  };
  backend->set_many(items, 60s);

  // Half of the slot's 100 keys are on the target: the source serves the SETs of the others and
  // answers ASK for these, which go to the target each after ASKING (it covers one command).
  slot_move move;
  ASSERT_TRUE(move.begin(ports[0], slot));
  move.migrate_keys(50);
  auto before = backend->stats().retries;
  set_all("-mid");
  EXPECT_GE(backend->stats().retries, before + 50) << "each SET of a key already moved met ASK";
  // The rest go over; the source answers the slot's MGET with ASK, the target with the values,
  // those written at the source before their key moved as well as those written at the target.
  move.migrate_keys();
  before = backend->stats().retries;
  expect_values("after the keys moved");
  EXPECT_GT(backend->stats().retries, before) << "the slot's MGET met ASK";
  move.finish();

  // The slot moves on to the third master, with the backend's map still pointing at the first:
  // each many-key call meets MOVED. The slot's owner is asked where it is: another node may hear
  // of the move later, by gossip.
  slot_move again;
  ASSERT_TRUE(again.begin(move.target(), slot, move.source()));
  again.migrate_keys();
  again.finish();
  before = backend->stats().retries;
  set_all("-moved");
  EXPECT_GT(backend->stats().retries, before) << "set_many met MOVED";
  expect_values("after set_many met MOVED");
  slot_move once_more;
  ASSERT_TRUE(once_more.begin(again.target(), slot));
  once_more.migrate_keys();
  once_more.finish();
  before = backend->stats().retries;
  backend->erase_many(keys);
  EXPECT_GT(backend->stats().retries, before) << "erase_many met MOVED";
  for (const auto& value : backend->get_many(keys)) EXPECT_FALSE(value.has_value());
}

TEST_F(RedisClusterTest, AReplicaPromotedDuringLoad) {
  const std::string tag = "failover" + std::to_string(::getpid());
  const std::uint16_t slot = redis::key_slot("{" + tag + "}");
  const std::uint16_t old_master = master_of_slot(ports[0], slot);
  const auto nodes = cluster_nodes(ports[0]);
  const node_info* master = nullptr;
  for (const auto& n : nodes)
    if (n.port == old_master) master = &n;
  ASSERT_NE(master, nullptr);
  const node_info* replica = nullptr;
  for (const auto& n : nodes)
    if (!n.master && n.master_id == master->id) replica = &n;
  ASSERT_NE(replica, nullptr);
  under_load(tag, [&] {
    EXPECT_EQ(cli(replica->port, "cluster failover"), "OK");
    for (int i = 0; i < 100 && master_of_slot(ports[0], slot) != replica->port; ++i) std::this_thread::sleep_for(50ms);
    std::this_thread::sleep_for(300ms);  // calls meet the new master
  });
  EXPECT_EQ(master_of_slot(ports[0], slot), replica->port) << "the replica was promoted";
  EXPECT_GT(backend->stats().retries, 0U) << "calls met the failover (MOVED, or the old master unreachable)";
}

}  // namespace
}  // namespace fast_cache
