// train_fixture.h: throw-away data directories and configs for trainer tests.
#pragma once
#include <string>

#include "tests/support/temp_dir.h"
#include "trainer/train_config.h"

namespace nanogpt::testing {

using TempDir = test::TempDir;

// Writes train.bin / val.bin / tokenizer-free data of `n` pseudo-random tokens below `vocab`,
// with some structure (repeating patterns) so that a model can learn from it.
void write_toy_data(const std::string& dir, int vocab, size_t n);

// A tiny model configuration that trains in milliseconds.
TrainConfig tiny_config(const std::string& data_dir, const std::string& out_dir);

}  // namespace nanogpt::testing
