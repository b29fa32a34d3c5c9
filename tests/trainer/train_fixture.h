// train_fixture.h: throw-away data directories and configs for trainer tests.
#pragma once
#include <string>

#include "trainer/train_config.h"

namespace nanogpt::testing {

// A fresh empty directory under the system temp dir, removed by the destructor.
class TempDir {
public:
    explicit TempDir(const std::string& tag);
    ~TempDir();
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

// Writes train.bin / val.bin / tokenizer-free data of `n` pseudo-random tokens below `vocab`,
// with some structure (repeating patterns) so that a model can learn from it.
void write_toy_data(const std::string& dir, int vocab, size_t n);

// A tiny model configuration that trains in milliseconds.
TrainConfig tiny_config(const std::string& data_dir, const std::string& out_dir);

}  // namespace nanogpt::testing
