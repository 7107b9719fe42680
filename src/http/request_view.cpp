#include <fast_cache/http/request_view.hpp>

#include <algorithm>

namespace fast_cache::http {

namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

split_target_result split_target(std::string_view target) noexcept {
  // A fragment never reaches a server, but a client may send one; it is not part of the query.
  if (const auto hash = target.find('#'); hash != std::string_view::npos) target = target.substr(0, hash);
  const auto mark = target.find('?');
  if (mark == std::string_view::npos) return {target, {}};
  return {target.substr(0, mark), target.substr(mark + 1)};
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::vector<query_param> parse_query(std::string_view query) {
  std::vector<query_param> params;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (piece.empty()) continue;
    const auto eq = piece.find('=');
    if (eq == std::string_view::npos) {
      params.push_back({percent_decode(piece), {}});
    } else {
      params.push_back({percent_decode(piece.substr(0, eq)), percent_decode(piece.substr(eq + 1))});
    }
  }
  return params;
}

std::string_view trim_whitespace(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool has_token(std::string_view list, std::string_view token) noexcept {
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (const auto eq = item.find('='); eq != std::string_view::npos) item = item.substr(0, eq);
    if (iequals(trim_whitespace(item), token)) return true;
  }
  return false;
}

std::optional<std::string> header_lookup::combined(std::string_view name) const {
  std::optional<std::string> out;
  each(name, [&](std::string_view value) {
    if (out) {
      *out += ", ";
      *out += value;
    } else {
      out.emplace(value);
    }
  });
  return out;
}

bool header_lookup::has_token(std::string_view name, std::string_view token) const {
  bool found = false;
  each(name, [&](std::string_view value) { found = found || http::has_token(value, token); });
  return found;
}

}  // namespace fast_cache::http
