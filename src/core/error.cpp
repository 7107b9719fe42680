#include <fast_cache/error.hpp>

#include <boost/system/system_error.hpp>

#include <new>

namespace fast_cache {
namespace {

class category final : public boost::system::error_category {
 public:
  // A fixed id lets codes from copies of this library in other shared objects compare equal.
  constexpr category() noexcept : error_category(0x6661'7374'6361'6368ULL) {}
  const char* name() const noexcept override { return "fast_cache"; }
  std::string message(int ev) const override { return std::string(to_string(static_cast<errc>(ev))); }
};

}  // namespace

const boost::system::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::invalid_argument:
      return "invalid argument";
    case errc::value_too_large:
      return "value too large";
    case errc::decode_failed:
      return "decode failed";
    case errc::unavailable:
      return "unavailable";
    case errc::timeout:
      return "timeout";
    case errc::throttled:
      return "throttled";
    case errc::protocol:
      return "protocol error";
    case errc::rejected:
      return "rejected by the server";
    case errc::closed:
      return "closed";
    case errc::internal:
      return "internal error";
    case errc::unsupported:
      return "operation not supported by this backend";
  }
  return "unknown error";
}

Error::Error(boost::system::error_code code, diagnostics diag)
    : std::system_error(std::error_code(code), diag.message), code_(code), diag_(std::move(diag)) {}

Error::Error(boost::system::error_code code, std::string message) : Error(code, diagnostics{std::move(message)}) {}

boost::system::error_code error_code_from(const std::exception_ptr& failure, diagnostics* diag) noexcept {
  if (!failure) return {};
  const auto describe = [diag](std::string message) noexcept {
    if (!diag) return;
    try {
      diag->clear();
      diag->message = std::move(message);
    } catch (...) {  // out of memory: the code alone must do
    }
  };
  try {
    std::rethrow_exception(failure);
  } catch (const Error& e) {
    if (diag) {
      try {
        *diag = e.diag();
      } catch (...) {
      }
    }
    return e.code();
  } catch (const boost::system::system_error& e) {
    describe(e.what());
    return e.code();
  } catch (const std::bad_alloc&) {
    describe("out of memory");
    return errc::internal;
  } catch (const std::exception& e) {
    describe(e.what());
    return errc::internal;
  } catch (...) {
    describe("unknown exception");
    return errc::internal;
  }
}

}  // namespace fast_cache
