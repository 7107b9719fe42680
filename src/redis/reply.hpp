// Redis replies (RESP2) and the incremental reader that makes them from bytes: hiredis's reply
// parser, with no I/O of its own.
#pragma once

#include <fast_cache/backend.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisReader;

namespace fast_cache::redis {

/// One reply. `text` holds a status, an error (with its code word, e.g. "MOVED 3999 ...") or a
/// bulk string; `integer` an integer; `elements` an array's items.
struct reply {
  enum class kind { nil, status, error, integer, string, array };
  kind type = kind::nil;
  std::string text;
  long long integer = 0;
  std::vector<reply> elements;

  [[nodiscard]] bool is_error() const noexcept { return type == kind::error; }
  [[nodiscard]] bool is_nil() const noexcept { return type == kind::nil; }
  /// An error's code word: "ERR", "MOVED", "NOAUTH"...; empty for other replies.
  [[nodiscard]] std::string_view error_code() const noexcept;
};

/// Throws Error when r is an error reply: errc::unavailable for the ones that pass (LOADING, BUSY,
/// MASTERDOWN, TRYAGAIN, CLUSTERDOWN, READONLY), errc::rejected for the others (ERR, WRONGTYPE,
/// NOAUTH, NOPERM, OOM...), the message naming `server` and quoting the reply.
void throw_if_error(const reply& r, const std::string& server);

/// The answers of a pipelined GET and PTTL of one key as a value with its time left. PTTL -1:
/// never expires; -2 or 0: the key went between the two commands, so it counts as absent.
[[nodiscard]] value_with_ttl value_with_pttl(reply get, const reply& pttl);

/// Turns a byte stream into replies: feed bytes as they arrive, take replies as they complete.
class reply_reader {
 public:
  reply_reader();
  ~reply_reader();
  reply_reader(const reply_reader&) = delete;
  reply_reader& operator=(const reply_reader&) = delete;

  void feed(std::string_view bytes);
  /// The next complete reply, or nullopt until more bytes arrive. Throws Error(errc::protocol)
  /// when the bytes are not RESP; the reader is unusable afterwards.
  std::optional<reply> next();

 private:
  struct deleter {
    void operator()(redisReader* r) const noexcept;
  };
  std::unique_ptr<redisReader, deleter> reader_;
};

}  // namespace fast_cache::redis
