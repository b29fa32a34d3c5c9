#include "trainer/checkpoint.h"

#include <cstring>

#include "common/error.h"
#include "common/file_io.h"

namespace nanogpt {

namespace {
constexpr size_t kHeaderInts = 256;
constexpr size_t kHeaderBytes = kHeaderInts * sizeof(int32_t);

void write_with_header(const std::string& path, const int32_t* header,
                       const std::vector<const std::vector<float>*>& arrays) {
    size_t total = kHeaderBytes;
    for (auto* a : arrays) total += a->size() * sizeof(float);
    std::vector<char> buf(total);
    std::memcpy(buf.data(), header, kHeaderBytes);
    size_t off = kHeaderBytes;
    for (auto* a : arrays) {
        std::memcpy(buf.data() + off, a->data(), a->size() * sizeof(float));
        off += a->size() * sizeof(float);
    }
    write_file_atomic(path, buf.data(), buf.size());
}

std::string read_checked(const std::string& path, const char* what, const char* hint) {
    if (!file_exists(path)) throw Error(std::string(what) + " '" + path + "' does not exist", hint);
    std::string bytes = read_file(path);
    if (bytes.size() < kHeaderBytes)
        throw Error(std::string(what) + " '" + path + "' is truncated: " + std::to_string(bytes.size()) +
                    " bytes, shorter than the 1024-byte header");
    return bytes;
}
}  // namespace

void save_model(const std::string& path, const ModelConfig& cfg, const std::vector<float>& params) {
    int32_t header[kHeaderInts] = {0};
    header[0] = kModelMagic;
    header[1] = 3;
    header[2] = cfg.max_seq_len;
    header[3] = cfg.vocab_size;
    header[4] = cfg.num_layers;
    header[5] = cfg.num_heads;
    header[6] = cfg.channels;
    header[7] = cfg.padded_vocab_size;
    write_with_header(path, header, {&params});
}

ModelFile load_model(const std::string& path) {
    std::string bytes = read_checked(path, "model file", "pass a model written by nanogpt train or llm.c");
    int32_t header[kHeaderInts];
    std::memcpy(header, bytes.data(), kHeaderBytes);
    if (header[0] != kModelMagic)
        throw Error("model file '" + path + "' has wrong magic " + std::to_string(header[0]) +
                        " (expected " + std::to_string(kModelMagic) + ")",
                    "is this an llm.c model file? token shards and state files are not models");
    if (header[1] != 3)
        throw Error("model file '" + path + "' has version " + std::to_string(header[1]) +
                        ", only version 3 (float32) is supported",
                    header[1] == 5 ? "version 5 is llm.c's bf16 format: export fp32 weights" : "");
    ModelFile mf;
    mf.config.max_seq_len = header[2];
    mf.config.vocab_size = header[3];
    mf.config.num_layers = header[4];
    mf.config.num_heads = header[5];
    mf.config.channels = header[6];
    mf.config.padded_vocab_size = header[7];
    try {
        mf.config.validate();
    } catch (const Error& e) {
        throw Error("model file '" + path + "' has an invalid shape: " + e.what());
    }
    ParamLayout layout = ParamLayout::make(mf.config);
    size_t expected = kHeaderBytes + layout.total * sizeof(float);
    if (bytes.size() != expected)
        throw Error("model file '" + path + "' has " + std::to_string(bytes.size()) +
                    " bytes but its header (" + mf.config.describe() + ") needs " +
                    std::to_string(expected) + (bytes.size() < expected ? ": truncated" : ": extra bytes"));
    mf.params.resize(layout.total);
    std::memcpy(mf.params.data(), bytes.data() + kHeaderBytes, layout.total * sizeof(float));
    return mf;
}

void save_state(const std::string& path, const TrainState& s) {
    int32_t header[kHeaderInts] = {0};
    header[0] = kStateMagic;
    header[1] = 1;
    header[2] = s.step;
    header[3] = (int32_t)(uint32_t)(s.seed & 0xffffffffu);
    header[4] = (int32_t)(uint32_t)(s.seed >> 32);
    header[5] = (int32_t)(uint32_t)(s.m.size() & 0xffffffffu);
    header[6] = (int32_t)(uint32_t)((uint64_t)s.m.size() >> 32);
    header[7] = s.batch_size;
    header[8] = s.block_size;
    header[9] = s.grad_accum;
    header[10] = s.ranks > 1 ? s.ranks : 0;  // 0 for one process, as files from before
    write_with_header(path, header, {&s.m, &s.v});
}

TrainState load_state(const std::string& path, size_t expected_params) {
    std::string bytes = read_checked(path, "training state", "resume needs the state.bin written beside model.bin");
    int32_t header[kHeaderInts];
    std::memcpy(header, bytes.data(), kHeaderBytes);
    if (header[0] != kStateMagic || header[1] != 1)
        throw Error("training state '" + path + "' has wrong magic or version");
    TrainState s;
    s.step = header[2];
    s.seed = (uint64_t)(uint32_t)header[3] | ((uint64_t)(uint32_t)header[4] << 32);
    uint64_t n = (uint64_t)(uint32_t)header[5] | ((uint64_t)(uint32_t)header[6] << 32);
    s.batch_size = header[7];
    s.block_size = header[8];
    s.grad_accum = header[9];
    s.ranks = header[10] > 0 ? header[10] : 1;  // files from before data parallelism: 0
    if (n != expected_params)
        throw Error("training state '" + path + "' is for " + std::to_string(n) +
                    " parameters, the model has " + std::to_string(expected_params));
    size_t expected = kHeaderBytes + 2 * n * sizeof(float);
    if (bytes.size() != expected)
        throw Error("training state '" + path + "' has " + std::to_string(bytes.size()) +
                    " bytes, expected " + std::to_string(expected));
    s.m.resize(n);
    s.v.resize(n);
    std::memcpy(s.m.data(), bytes.data() + kHeaderBytes, n * sizeof(float));
    std::memcpy(s.v.data(), bytes.data() + kHeaderBytes + n * sizeof(float), n * sizeof(float));
    return s;
}

}  // namespace nanogpt

#include "trainer/safetensors.h"

namespace nanogpt {

ModelFile load_model_any(const std::string& path, int num_heads) {
    if (!file_exists(path)) throw Error("model file '" + path + "' does not exist");
    FILE* f = std::fopen(path.c_str(), "rb");
    int32_t magic = 0;
    size_t got = f ? std::fread(&magic, 1, 4, f) : 0;
    if (f) std::fclose(f);
    if (got == 4 && magic == kModelMagic) return load_model(path);
    if (path.size() >= 12 && path.substr(path.size() - 12) == ".safetensors")
        return load_safetensors_gpt2(path, num_heads);
    return load_model(path);  // reports the wrong magic
}

}  // namespace nanogpt
