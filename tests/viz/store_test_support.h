// store_test_support.h: sample frames and small file helpers for the
// run store and export tests.
#pragma once
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"
#include "viz/frame.h"

namespace nanogpt::viz::store_test {

// A small frame: "wte"/"xyz" points (-1 layer), "qkvw"/"value" for layers 0 and 1, and, when
// with_grad, "qkvw"/"grad" for layer 0 (int8-quantised). Values depend on step.
Frame sample_frame(const std::string& session, int step, bool with_grad = true);

std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);
void append_text(const std::string& path, const std::string& text);
std::vector<std::string> list_dir(const std::string& dir);  // names, sorted

}  // namespace nanogpt::viz::store_test
