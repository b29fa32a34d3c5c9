#include "trainer/mfu.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace nanogpt {

double params_for_flops(const ModelConfig& mc) {
    const double C = mc.channels, L = mc.num_layers, V = mc.vocab_size;
    // wte (V real rows) + per layer: ln1, qkv, attention projection, ln2, fc, fc projection
    // (12 C^2 weights, 13 C biases and LayerNorm values) + the final LayerNorm. No wpe.
    return V * C + L * (12.0 * C * C + 13.0 * C) + 2.0 * C;
}

double flops_per_token(const ModelConfig& mc, int T) {
    return 6.0 * params_for_flops(mc) + 12.0 * mc.num_layers * mc.channels * (double)T;
}

namespace {

struct Peak {
    double bf16, tf32, fp32;
};
constexpr Peak kH100Sxm{989, 495, 67};   // H100 SXM5; the H200 has the same GPU and clocks
constexpr Peak kH100Pcie{756, 378, 51};
constexpr Peak kA100{312, 156, 19.5};    // SXM4 and PCIe alike

// "NVIDIA A100-SXM4-80GB" -> {"NVIDIA", "A100", "SXM4", "80GB"}
std::vector<std::string> name_tokens(const std::string& name) {
    std::vector<std::string> out;
    std::string cur;
    for (char ch : name) {
        if (ch == ' ' || ch == '-' || ch == '_') {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
        } else {
            cur += (char)std::toupper((unsigned char)ch);
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

std::optional<Peak> peak_of(const std::string& device_name) {
    const std::vector<std::string> t = name_tokens(device_name);
    auto has = [&](const char* s) { return std::find(t.begin(), t.end(), s) != t.end(); };
    // NVL cards (H100 NVL, H200 NVL) run at other clocks and power: not in the table.
    if (has("NVL")) return std::nullopt;
    if (has("H100")) {
        if (has("PCIE")) return kH100Pcie;
        if (has("HBM3") || has("SXM") || has("SXM5")) return kH100Sxm;
        return std::nullopt;  // another H100 variant: do not guess
    }
    if (has("H200")) return kH100Sxm;  // exact token: not GH200
    if (has("A100")) return kA100;
    return std::nullopt;
}

}  // namespace

std::optional<double> peak_tflops(const std::string& device_name, const std::string& precision) {
    std::optional<Peak> p = peak_of(device_name);
    if (!p) return std::nullopt;
    if (precision == "bf16") return p->bf16;
    if (precision == "tf32") return p->tf32;
    if (precision == "fp32") return p->fp32;
    return std::nullopt;
}

std::optional<double> model_flops_utilisation(double flops_per_token, double tokens_per_s,
                                              std::optional<double> peak_tflops) {
    if (!peak_tflops || *peak_tflops <= 0) return std::nullopt;
    return flops_per_token * tokens_per_s / (*peak_tflops * 1e12);
}

}  // namespace nanogpt
