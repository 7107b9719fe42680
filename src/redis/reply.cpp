#include "redis/reply.hpp"

#include <fast_cache/error.hpp>

#include <hiredis/hiredis.h>

#include <climits>

namespace fast_cache::redis {

namespace {

reply convert(const redisReply& r) {
  reply out;
  switch (r.type) {
    case REDIS_REPLY_STATUS:
      out.type = reply::kind::status;
      out.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = reply::kind::error;
      out.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = reply::kind::integer;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = reply::kind::string;
      out.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = reply::kind::array;
      out.elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i) out.elements.push_back(convert(*r.element[i]));
      break;
    default:
      break;  // REDIS_REPLY_NIL
  }
  return out;
}

}  // namespace

std::string_view reply::error_code() const noexcept {
  if (type != kind::error) return {};
  const std::string_view t(text);
  return t.substr(0, t.find(' '));
}

value_with_ttl value_with_pttl(reply get, const reply& pttl) {
  if (get.is_nil()) return value_with_ttl{};
  if (pttl.integer == -1) return value_with_ttl{std::move(get.text), time_left{.what = time_left::kind::never}};
  if (pttl.integer <= 0) return value_with_ttl{};
  return value_with_ttl{std::move(get.text), time_left{.what = time_left::kind::known, .left = duration(pttl.integer)}};
}

void throw_if_error(const reply& r, const std::string& server) {
  if (!r.is_error()) return;
  static constexpr std::string_view passing[] = {"LOADING",  "BUSY",        "MASTERDOWN",
                                                 "TRYAGAIN", "CLUSTERDOWN", "READONLY"};
  const std::string_view code = r.error_code();
  bool transient = false;
  for (const std::string_view p : passing) transient = transient || code == p;
  throw Error(transient ? errc::unavailable : errc::rejected, server + " answered: " + r.text);
}

void reply_reader::deleter::operator()(redisReader* r) const noexcept { redisReaderFree(r); }

reply_reader::reply_reader() : reader_(redisReaderCreate()) {
  if (!reader_) throw Error(errc::internal, "Redis reply reader could not be created");
  // hiredis keeps at most 16 KB of consumed buffer by default; no limit on a reply's size
  // beyond what the server may send (proto-max-bulk-len).
}

reply_reader::~reply_reader() = default;

void reply_reader::feed(std::string_view bytes) {
  if (redisReaderFeed(reader_.get(), bytes.data(), bytes.size()) != REDIS_OK) {
    throw Error(errc::protocol, "Redis reply reader: " + std::string(reader_->errstr));
  }
}

std::optional<reply> reply_reader::next() {
  void* raw = nullptr;
  if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) {
    throw Error(errc::protocol, "not a Redis reply: " + std::string(reader_->errstr));
  }
  if (raw == nullptr) return std::nullopt;
  const std::unique_ptr<redisReply, void (*)(void*)> owned(static_cast<redisReply*>(raw), freeReplyObject);
  return convert(*owned);
}

}  // namespace fast_cache::redis
