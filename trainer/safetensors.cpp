#include "trainer/safetensors.h"

#include <cstring>
#include <map>
#include <regex>

#include <rapidjson/document.h>

#include "common/error.h"
#include "common/file_io.h"

namespace nanogpt {

namespace {

struct TensorRef {
    std::string dtype;
    std::vector<int64_t> shape;
    size_t begin = 0, end = 0;  // byte offsets into the data section
};

float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: normalise
            int e = -1;
            do { mant <<= 1; e++; } while (!(mant & 0x400));
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((mant & 0x3ff) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

// Reads tensor `ref` as float32 values (converting F16/BF16).
std::vector<float> read_tensor(const std::string& path, const std::string& name, const TensorRef& ref,
                               const char* data, size_t data_size) {
    size_t count = 1;
    for (int64_t d : ref.shape) count *= (size_t)d;
    size_t elem = ref.dtype == "F32" ? 4 : (ref.dtype == "F16" || ref.dtype == "BF16") ? 2 : 0;
    if (!elem) throw Error("'" + path + "': tensor " + name + " has unsupported dtype " + ref.dtype);
    if (ref.end > data_size || ref.begin > ref.end || ref.end - ref.begin != count * elem)
        throw Error("'" + path + "': tensor " + name + " has bad data offsets (truncated file?)");
    std::vector<float> out(count);
    const char* p = data + ref.begin;
    for (size_t i = 0; i < count; i++) {
        if (elem == 4) {
            std::memcpy(&out[i], p + 4 * i, 4);
        } else {
            uint16_t h;
            std::memcpy(&h, p + 2 * i, 2);
            if (ref.dtype == "F16") {
                out[i] = half_to_float(h);
            } else {
                uint32_t bits = (uint32_t)h << 16;
                std::memcpy(&out[i], &bits, 4);
            }
        }
    }
    return out;
}

}  // namespace

ModelFile load_safetensors_gpt2(const std::string& path, int num_heads) {
    if (!file_exists(path)) throw Error("weights file '" + path + "' does not exist");
    std::string bytes = read_file(path);
    if (bytes.size() < 8) throw Error("'" + path + "' is too short to be a safetensors file");
    uint64_t header_len;
    std::memcpy(&header_len, bytes.data(), 8);
    if (header_len > bytes.size() - 8)
        throw Error("'" + path + "' is not a safetensors file (header length " +
                    std::to_string(header_len) + " exceeds the file)");
    rapidjson::Document doc;
    doc.Parse(bytes.data() + 8, header_len);
    if (doc.HasParseError() || !doc.IsObject())
        throw Error("'" + path + "' has a malformed safetensors JSON header");
    const char* data = bytes.data() + 8 + header_len;
    size_t data_size = bytes.size() - 8 - header_len;

    // Strip an optional "transformer." prefix; ignore attention-mask buffers and lm_head.
    std::map<std::string, TensorRef> tensors;
    for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
        std::string name = it->name.GetString();
        if (name == "__metadata__") continue;
        const auto& v = it->value;
        if (!v.IsObject() || !v.HasMember("dtype") || !v.HasMember("shape") || !v.HasMember("data_offsets"))
            throw Error("'" + path + "': tensor entry " + name + " is malformed");
        TensorRef ref;
        ref.dtype = v["dtype"].GetString();
        for (auto& d : v["shape"].GetArray()) ref.shape.push_back(d.GetInt64());
        ref.begin = v["data_offsets"][0].GetUint64();
        ref.end = v["data_offsets"][1].GetUint64();
        if (name.rfind("transformer.", 0) == 0) name = name.substr(12);
        tensors[name] = ref;
    }
    auto get = [&](const std::string& name) -> const TensorRef& {
        auto it = tensors.find(name);
        if (it == tensors.end())
            throw Error("'" + path + "' has no tensor '" + name + "'",
                        "expected Hugging Face GPT-2 names (wte.weight, h.0.attn.c_attn.weight, ...)");
        return it->second;
    };

    const TensorRef& wte = get("wte.weight");
    const TensorRef& wpe = get("wpe.weight");
    if (wte.shape.size() != 2 || wpe.shape.size() != 2)
        throw Error("'" + path + "': wte/wpe must be 2-D");
    int L = 0;
    std::regex layer_re(R"(^h\.(\d+)\.)");
    for (auto& [name, ref] : tensors) {
        std::smatch m;
        if (std::regex_search(name, m, layer_re)) L = std::max(L, std::stoi(m[1]) + 1);
    }
    ModelFile mf;
    ModelConfig& cfg = mf.config;
    cfg.vocab_size = (int)wte.shape[0];
    cfg.channels = (int)wte.shape[1];
    cfg.max_seq_len = (int)wpe.shape[0];
    cfg.num_layers = L;
    cfg.num_heads = num_heads > 0 ? num_heads : std::max(1, cfg.channels / 64);
    cfg.padded_vocab_size = pad_vocab(cfg.vocab_size);
    cfg.validate();
    const int C = cfg.channels;
    ParamLayout layout = ParamLayout::make(cfg);
    mf.params.assign(layout.total, 0.0f);

    // Copies an HF tensor into our tensor k, layer l; `transpose` for HF's (in, out) Conv1D.
    auto place = [&](const std::string& name, ParamIndex k, int l, bool transpose) {
        const TensorRef& ref = get(name);
        const ParamTensorInfo& t = layout.tensors[k];
        size_t per_layer = (size_t)t.rows * t.cols;
        std::vector<float> src = read_tensor(path, name, ref, data, data_size);
        bool vec = t.cols == 1;
        size_t want = (k == P_WTE) ? (size_t)cfg.vocab_size * C : per_layer;
        if (src.size() != want)
            throw Error("'" + path + "': tensor " + name + " has " + std::to_string(src.size()) +
                        " values, expected " + std::to_string(want) + " for " + cfg.describe());
        float* dst = mf.params.data() + t.offset + (size_t)l * per_layer;
        if (!transpose || vec) {
            std::memcpy(dst, src.data(), src.size() * sizeof(float));
            return;
        }
        // src is (cols_ours = in, rows_ours = out); dst (rows, cols).
        for (int r = 0; r < t.rows; r++)
            for (int c = 0; c < t.cols; c++) dst[(size_t)r * t.cols + c] = src[(size_t)c * t.rows + r];
    };
    place("wte.weight", P_WTE, 0, false);
    place("wpe.weight", P_WPE, 0, false);
    for (int l = 0; l < L; l++) {
        std::string h = "h." + std::to_string(l) + ".";
        place(h + "ln_1.weight", P_LN1W, l, false);
        place(h + "ln_1.bias", P_LN1B, l, false);
        place(h + "attn.c_attn.weight", P_QKVW, l, true);
        place(h + "attn.c_attn.bias", P_QKVB, l, false);
        place(h + "attn.c_proj.weight", P_ATTPROJW, l, true);
        place(h + "attn.c_proj.bias", P_ATTPROJB, l, false);
        place(h + "ln_2.weight", P_LN2W, l, false);
        place(h + "ln_2.bias", P_LN2B, l, false);
        place(h + "mlp.c_fc.weight", P_FCW, l, true);
        place(h + "mlp.c_fc.bias", P_FCB, l, false);
        place(h + "mlp.c_proj.weight", P_FCPROJW, l, true);
        place(h + "mlp.c_proj.bias", P_FCPROJB, l, false);
    }
    place("ln_f.weight", P_LNFW, 0, false);
    place("ln_f.bias", P_LNFB, 0, false);
    return mf;
}

}  // namespace nanogpt
