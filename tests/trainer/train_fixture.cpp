#include "train_fixture.h"

#include <filesystem>
#include <random>
#include <vector>

#include "data/shard.h"

namespace nanogpt::testing {

void write_toy_data(const std::string& dir, int vocab, size_t n) {
    std::filesystem::create_directories(dir);
    std::mt19937 rng(7);
    std::vector<uint16_t> tokens(n);
    for (size_t i = 0; i < n; i++)  // a noisy counting pattern: predictable, not trivial
        tokens[i] = (uint16_t)((i % 7 == 0) ? rng() % vocab : (i * 3) % vocab);
    size_t split = n * 9 / 10;
    write_shard(dir + "/train.bin", std::vector<uint16_t>(tokens.begin(), tokens.begin() + split));
    write_shard(dir + "/val.bin", std::vector<uint16_t>(tokens.begin() + split, tokens.end()));
}

TrainConfig tiny_config(const std::string& data_dir, const std::string& out_dir) {
    TrainConfig c;
    c.data_dir = data_dir;
    c.out_dir = out_dir;
    c.n_layer = 2;
    c.n_head = 2;
    c.n_embd = 32;
    c.block_size = 16;
    c.batch_size = 4;
    c.max_iters = 8;
    c.eval_interval = 4;
    c.eval_iters = 2;
    c.learning_rate = 1e-2f;
    c.warmup_iters = 2;
    c.lr_decay_iters = 8;
    c.min_lr = 1e-3f;
    c.sample_tokens = 0;
    c.system.device = "cpu";
    return c;
}

}  // namespace nanogpt::testing
