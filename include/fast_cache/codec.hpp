// Codecs: how a typed value becomes the bytes a backend stores, and back.
//
// - std::string and byte vectors are stored raw, so programs in other languages read them as is.
// - Arithmetic types are stored as their shortest decimal text ("42", "0.1", "true").
// - boost::json::value and any type Boost.JSON converts (tag_invoke or Boost.Describe) are JSON.
// A stored value that cannot be decoded as the asked type throws Error(errc::decode_failed).
#pragma once

#include <fast_cache/error.hpp>

#include <boost/json/conversion.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace fast_cache {

/// Specialise codec<T> with `static std::string encode(const T&)` and
/// `static T decode(std::string_view)` to store a type in a custom format.
template <class T, class Enable = void>
struct codec;

namespace detail {
[[noreturn]] void throw_decode_failed(std::string_view type_name, std::string_view why);
std::string json_serialize(const boost::json::value& value);
boost::json::value json_parse(std::string_view bytes);  // throws Error(decode_failed)
std::string encode_number(long long v);
std::string encode_number(unsigned long long v);
std::string encode_number(double v);
std::string encode_number(float v);
std::string encode_number(long double v);
template <class T>
T decode_number(std::string_view text);  // defined for every arithmetic type in codec.cpp
}  // namespace detail

template <>
struct codec<std::string> {
  static std::string encode(const std::string& v) { return v; }
  static std::string decode(std::string_view bytes) { return std::string(bytes); }
};

namespace detail {
template <class T>
inline constexpr bool is_byte_vector = false;
template <class Byte>
inline constexpr bool is_byte_vector<std::vector<Byte>> = sizeof(Byte) == 1 && std::is_trivial_v<Byte> &&
                                                          !std::is_same_v<Byte, bool>;
}  // namespace detail

template <class T>
struct codec<T, std::enable_if_t<detail::is_byte_vector<T>>> {
  static std::string encode(const T& v) { return std::string(reinterpret_cast<const char*>(v.data()), v.size()); }
  static T decode(std::string_view bytes) {
    const auto* first = reinterpret_cast<const typename T::value_type*>(bytes.data());
    return T(first, first + bytes.size());
  }
};

template <class T>
struct codec<T, std::enable_if_t<std::is_arithmetic_v<T>>> {
  static std::string encode(T v) {
    if constexpr (std::is_same_v<T, bool>) {
      return v ? "true" : "false";
    } else if constexpr (std::is_floating_point_v<T>) {
      return detail::encode_number(v);
    } else if constexpr (std::is_signed_v<T>) {
      return detail::encode_number(static_cast<long long>(v));
    } else {
      return detail::encode_number(static_cast<unsigned long long>(v));
    }
  }
  static T decode(std::string_view bytes) { return detail::decode_number<T>(bytes); }
};

template <>
struct codec<boost::json::value> {
  static std::string encode(const boost::json::value& v) { return detail::json_serialize(v); }
  static boost::json::value decode(std::string_view bytes) { return detail::json_parse(bytes); }
};

namespace detail {
template <class T>
inline constexpr bool is_json_convertible =
    !std::is_arithmetic_v<T> && !std::is_same_v<T, std::string> && !std::is_same_v<T, boost::json::value> &&
    !is_byte_vector<T> && boost::json::has_value_from<T>::value && boost::json::has_value_to<T>::value;
}  // namespace detail

template <class T>
struct codec<T, std::enable_if_t<detail::is_json_convertible<T>>> {
  static std::string encode(const T& v) { return detail::json_serialize(boost::json::value_from(v)); }
  static T decode(std::string_view bytes) {
    const boost::json::value parsed = detail::json_parse(bytes);
    auto result = boost::json::try_value_to<T>(parsed);
    if (!result) detail::throw_decode_failed("a JSON-converted type", result.error().message());
    return std::move(*result);
  }
};

/// Whether T can be stored in a cache.
template <class T>
concept cacheable = requires(const T& v, std::string_view bytes) {
  { codec<T>::encode(v) } -> std::convertible_to<std::string>;
  { codec<T>::decode(bytes) } -> std::convertible_to<T>;
};

/// Encodes a value with its codec.
template <cacheable T>
std::string encode(const T& value) {
  return codec<T>::encode(value);
}

/// Decodes a value with its codec; throws Error(errc::decode_failed) when the bytes do not fit T.
template <cacheable T>
T decode(std::string_view bytes) {
  return codec<T>::decode(bytes);
}

}  // namespace fast_cache
