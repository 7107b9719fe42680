#include "redis/cluster.hpp"

#include <fast_cache/error.hpp>

#include <boost/url/pct_string_view.hpp>

#include <charconv>

namespace fast_cache::redis {

namespace {

std::uint16_t crc16(std::string_view bytes) noexcept {
  std::uint16_t crc = 0;
  for (const char c : bytes) {
    crc ^= static_cast<std::uint16_t>(static_cast<unsigned char>(c) << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc =
          (crc & 0x8000) != 0 ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021) : static_cast<std::uint16_t>(crc << 1);
    }
  }
  return crc;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

[[noreturn]] void not_a_slot_table(const std::string& why) {
  throw Error(errc::protocol, "CLUSTER SLOTS answered something else than a slot table: " + why);
}

// The decoded user or password; nullopt when the text is not valid percent-encoding.
std::optional<std::string> percent_decoded(std::string_view text) {
  const auto checked = boost::urls::make_pct_string_view(text);
  if (!checked) return std::nullopt;
  std::string out;
  for (const char c : checked->decode()) out.push_back(c);
  return out;
}

}  // namespace

std::uint16_t key_slot(std::string_view key) noexcept {
  if (const auto open = key.find('{'); open != std::string_view::npos) {
    const auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) key = key.substr(open + 1, close - open - 1);
  }
  return crc16(key) % slot_count;
}

std::optional<node_address> parse_node_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const auto port = parse_port(text.substr(colon + 1));
  if (!port || host.empty()) return std::nullopt;
  return node_address{std::string(host), *port};
}

std::optional<redirect> parse_redirect(const reply& r) {
  const std::string_view code = r.error_code();
  if (code != "MOVED" && code != "ASK") return std::nullopt;
  // "MOVED 3999 127.0.0.1:6381"
  std::string_view rest = std::string_view(r.text).substr(code.size());
  if (!rest.starts_with(' ')) return std::nullopt;
  rest.remove_prefix(1);
  const auto space = rest.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  unsigned slot = 0;
  const std::string_view slot_text = rest.substr(0, space);
  const auto [end, ec] = std::from_chars(slot_text.data(), slot_text.data() + slot_text.size(), slot);
  if (ec != std::errc() || end != slot_text.data() + slot_text.size() || slot >= slot_count) return std::nullopt;
  auto to = parse_node_address(rest.substr(space + 1));
  if (!to) return std::nullopt;
  return redirect{code == "ASK", static_cast<std::uint16_t>(slot), std::move(*to)};
}

std::vector<slot_range> parse_cluster_slots(const reply& r, const node_address& asked) {
  if (r.type != reply::kind::array) not_a_slot_table("not an array");
  std::vector<slot_range> out;
  for (const reply& range : r.elements) {
    if (range.type != reply::kind::array || range.elements.size() < 3)
      not_a_slot_table("a range is not [first, last, master...]");
    const reply& first = range.elements[0];
    const reply& last = range.elements[1];
    const reply& master = range.elements[2];
    if (first.type != reply::kind::integer || last.type != reply::kind::integer || first.integer < 0 ||
        last.integer < first.integer || last.integer >= slot_count)
      not_a_slot_table("bad slot numbers");
    if (master.type != reply::kind::array || master.elements.size() < 2 ||
        master.elements[0].type != reply::kind::string || master.elements[1].type != reply::kind::integer)
      not_a_slot_table("a master is not [host, port, ...]");
    node_address node{master.elements[0].text, 0};
    const long long port = master.elements[1].integer;
    if (port <= 0 || port > 65535) not_a_slot_table("bad port");
    node.port = static_cast<std::uint16_t>(port);
    if (node.host.empty()) node.host = asked.host;
    out.push_back(
        {static_cast<std::uint16_t>(first.integer), static_cast<std::uint16_t>(last.integer), std::move(node)});
  }
  return out;
}

cluster_url parse_cluster_url(std::string_view url) {
  constexpr std::string_view scheme = "redis+cluster://";
  const auto invalid = [](const std::string& why) {
    throw Error(errc::invalid_argument, "invalid backend URL redis+cluster://...: " + why);
  };
  if (!url.starts_with(scheme)) invalid("the scheme must be redis+cluster://");
  url.remove_prefix(scheme.size());
  cluster_url out;
  if (const auto q = url.find('?'); q != std::string_view::npos) {
    out.query = std::string(url.substr(q + 1));
    url = url.substr(0, q);
  }
  if (const auto at = url.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = url.substr(0, at);
    url = url.substr(at + 1);
    const auto colon = userinfo.find(':');
    auto user = percent_decoded(userinfo.substr(0, colon));
    auto password = percent_decoded(colon == std::string_view::npos ? std::string_view{} : userinfo.substr(colon + 1));
    if (!user || !password) invalid("the user or password is not valid percent-encoding");
    out.user = std::move(*user);
    out.password = std::move(*password);
    if (!out.user.empty() && out.password.empty()) std::swap(out.user, out.password);
  }
  if (!url.empty() && url.back() == '/') url.remove_suffix(1);
  if (url.empty()) invalid("no seed node (redis+cluster://host:port,host:port)");
  for (bool more = true; more;) {
    const auto comma = url.find(',');
    const std::string_view item = url.substr(0, comma);
    more = comma != std::string_view::npos;
    if (more) url.remove_prefix(comma + 1);
    auto node = parse_node_address(item);
    if (!node) invalid("each seed node must be host:port (got \"" + std::string(item) + "\")");
    out.seeds.push_back(std::move(*node));
  }
  return out;
}

}  // namespace fast_cache::redis
