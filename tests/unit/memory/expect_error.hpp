// Checks that a call throws fast_cache::Error with a given code and a message saying why.
#pragma once

#include <fast_cache/error.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace fast_cache::test {

template <class F>
void expect_error(F&& f, errc code, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "expected fast_cache::Error(" << to_string(code) << ")";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_THAT(e.what(), ::testing::HasSubstr(fragment));
  }
}

}  // namespace fast_cache::test
