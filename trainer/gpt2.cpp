#include "trainer/gpt2.h"

#include <algorithm>

#include <cmath>

#include "common/error.h"
#include "common/counter_rng.h"

namespace nanogpt {

namespace {
enum DropoutSite { kDropEmbedding, kDropAttention, kDropAttnResidual, kDropMlpResidual };
}

// Activations kept for backward, sized for the largest (B, T) seen so far. Per-layer buffers
// are indexed with the current B*T, so smaller passes (sampling, evaluation) reuse them.
struct GPT2::Activations {
    Backend& be;
    size_t cap_bt = 0, cap_btt = 0;
    std::vector<void*> owned;
    int* tokens = nullptr;
    int* targets = nullptr;
    float *encoded, *ln1, *ln1_mean, *ln1_rstd, *qkv, *atty, *att, *residual2, *ln2, *ln2_mean,
        *ln2_rstd, *fch, *fch_gelu, *residual3, *lnf, *lnf_mean, *lnf_rstd, *logits, *losses;
    float *proj;  // output of a projection before it joins the residual stream (not kept)
    // Gradient scratch for backward, one layer at a time.
    float *dresidual, *dbuf, *dln, *datty, *dqkv, *datt, *dfch, *dfch_gelu;

    explicit Activations(Backend& b) : be(b) {}
    ~Activations() { for (void* p : owned) be.release(p); }
    float* f(size_t n) { float* p = be.alloc(n); owned.push_back(p); return p; }

    void allocate(const ModelConfig& cfg, size_t bt, size_t btt) {
        const size_t L = cfg.num_layers, C = cfg.channels, NH = cfg.num_heads;
        cap_bt = bt;
        cap_btt = btt;
        tokens = be.alloc_ints(bt); owned.push_back(tokens);
        targets = be.alloc_ints(bt); owned.push_back(targets);
        encoded = f(bt * C);
        ln1 = f(L * bt * C); ln1_mean = f(L * bt); ln1_rstd = f(L * bt);
        qkv = f(L * bt * 3 * C);
        atty = f(L * bt * C);
        att = f(L * NH * btt);
        residual2 = f(L * bt * C);
        ln2 = f(L * bt * C); ln2_mean = f(L * bt); ln2_rstd = f(L * bt);
        fch = f(L * bt * 4 * C); fch_gelu = f(L * bt * 4 * C);
        residual3 = f(L * bt * C);
        lnf = f(bt * C); lnf_mean = f(bt); lnf_rstd = f(bt);
        logits = f(bt * cfg.padded_vocab_size);
        losses = f(bt);
        proj = f(bt * C);
        dresidual = f(bt * C); dbuf = f(bt * C); dln = f(bt * C); datty = f(bt * C);
        dqkv = f(bt * 3 * C);
        datt = f(NH * btt);
        dfch = f(bt * 4 * C); dfch_gelu = f(bt * 4 * C);
    }
};

GPT2::GPT2(Backend& backend, const ModelConfig& cfg, size_t buffer_floats) : be_(backend), cfg_(cfg) {
    cfg_.validate();
    layout_ = ParamLayout::make(cfg_);
    buffer_floats_ = std::max(buffer_floats, layout_.total);
    params_ = be_.alloc(buffer_floats_);  // zero-initialised: the padding stays zero
    grads_ = be_.alloc(buffer_floats_);
}

GPT2::~GPT2() {
    delete acts_;
    be_.release(params_);
    be_.release(grads_);
}

void GPT2::init_random(uint64_t seed) {
    std::vector<float> host(layout_.total, 0.0f);
    const float residual_std = 0.02f / std::sqrt(2.0f * cfg_.num_layers);
    for (int k = 0; k < kNumParamTensors; k++) {
        const ParamTensorInfo& t = layout_.tensors[k];
        float* p = host.data() + t.offset;
        if (k == P_LN1W || k == P_LN2W || k == P_LNFW) {
            for (size_t i = 0; i < t.size; i++) p[i] = 1.0f;
            continue;
        }
        if (!t.is_matrix) continue;  // biases start at zero
        float std = (k == P_ATTPROJW || k == P_FCPROJW) ? residual_std : 0.02f;
        size_t n = t.size;
        if (k == P_WTE) n = (size_t)cfg_.vocab_size * cfg_.channels;  // padded rows stay 0
        uint64_t s = derive_seed(seed, 0x1417, k);
        for (size_t i = 0; i < n; i += 2) {  // Box-Muller: two normals per pair of uniforms
            float u1 = uniform_at(s, i) + 1.0f / 33554432.0f;
            float u2 = uniform_at(s, i + 1);
            float r = std::sqrt(-2.0f * std::log(u1));
            p[i] = std * r * std::cos(6.2831853f * u2);
            if (i + 1 < n) p[i + 1] = std * r * std::sin(6.2831853f * u2);
        }
    }
    load_params(host);
}

void GPT2::load_params(const std::vector<float>& host) {
    if (host.size() != layout_.total)
        throw Error("parameter count mismatch: got " + std::to_string(host.size()) + ", model " +
                    cfg_.describe() + " needs " + std::to_string(layout_.total));
    be_.to_device(params_, host.data(), host.size() * sizeof(float));
}

std::vector<float> GPT2::save_params() const {
    std::vector<float> host(layout_.total);
    be_.to_host(host.data(), params_, host.size() * sizeof(float));
    return host;
}

std::vector<float> GPT2::save_grads() const {
    std::vector<float> host(layout_.total);
    be_.to_host(host.data(), grads_, host.size() * sizeof(float));
    return host;
}

void GPT2::zero_grad() { be_.zero(grads_, layout_.total); }

void GPT2::ensure_activations(int B, int T) {
    size_t bt = (size_t)B * T, btt = (size_t)B * T * T;
    if (acts_ && bt <= acts_->cap_bt && btt <= acts_->cap_btt) return;
    size_t new_bt = bt, new_btt = btt;
    if (acts_) {
        new_bt = std::max(bt, acts_->cap_bt);
        new_btt = std::max(btt, acts_->cap_btt);
        delete acts_;
        acts_ = nullptr;
    }
    acts_ = new Activations(be_);
    acts_->allocate(cfg_, new_bt, new_btt);
}

Dropout GPT2::layer_dropout(int layer, int site) const {
    if (last_opt_.dropout <= 0.0f) return {};
    // The masks of the whole batch, of which this pass holds sequences first_sequence..: each
    // site's tensor has one block per sequence, (T, C) or, for attention, (NH, T, T).
    const uint64_t per_sequence = site == kDropAttention ? (uint64_t)cfg_.num_heads * T_ * T_
                                                         : (uint64_t)T_ * cfg_.channels;
    return {last_opt_.dropout, derive_seed(last_opt_.dropout_seed, (uint64_t)layer, (uint64_t)site),
            (uint64_t)last_opt_.first_sequence * per_sequence};
}

float GPT2::forward(const int* tokens, const int* targets, int B, int T, const PassOptions& opt) {
    if (T > cfg_.max_seq_len)
        throw Error("sequence length " + std::to_string(T) + " exceeds the model's maxT " +
                    std::to_string(cfg_.max_seq_len),
                    "use a block_size no larger than the model's");
    for (size_t i = 0; i < (size_t)B * T; i++) {
        if (tokens[i] < 0 || tokens[i] >= cfg_.vocab_size)
            throw Error("token " + std::to_string(tokens[i]) + " is outside the vocabulary (V=" +
                        std::to_string(cfg_.vocab_size) + ")",
                        "the data was prepared with a different tokenizer than the model's");
        if (targets && (targets[i] < 0 || targets[i] >= cfg_.vocab_size))
            throw Error("target token " + std::to_string(targets[i]) + " is outside the vocabulary");
    }
    ensure_activations(B, T);
    B_ = B;
    T_ = T;
    last_opt_ = opt;
    have_targets_ = targets != nullptr;
    Activations& a = *acts_;
    const int L = cfg_.num_layers, NH = cfg_.num_heads, C = cfg_.channels;
    const int V = cfg_.vocab_size, Vp = cfg_.padded_vocab_size;
    const int N = B * T;
    const size_t NC = (size_t)N * C;
    auto P = [&](ParamIndex i) { return params_ + layout_.tensors[i].offset; };

    be_.to_device(a.tokens, tokens, (size_t)N * sizeof(int));
    if (targets) be_.to_device(a.targets, targets, (size_t)N * sizeof(int));

    be_.encoder_forward(a.encoded, a.tokens, P(P_WTE), P(P_WPE), B, T, C);
    be_.dropout_forward(a.encoded, NC, layer_dropout(L, kDropEmbedding));

    for (int l = 0; l < L; l++) {
        const float* residual = l == 0 ? a.encoded : a.residual3 + (size_t)(l - 1) * NC;
        float* ln1 = a.ln1 + l * NC;
        float* qkv = a.qkv + l * NC * 3;
        float* atty = a.atty + l * NC;
        float* att = a.att + (size_t)l * NH * B * T * T;
        float* residual2 = a.residual2 + l * NC;
        float* ln2 = a.ln2 + l * NC;
        float* fch = a.fch + l * NC * 4;
        float* fch_gelu = a.fch_gelu + l * NC * 4;
        float* residual3 = a.residual3 + l * NC;

        be_.layernorm_forward(ln1, a.ln1_mean + (size_t)l * N, a.ln1_rstd + (size_t)l * N, residual,
                              P(P_LN1W) + l * C, P(P_LN1B) + l * C, N, C);
        be_.matmul_forward(qkv, ln1, P(P_QKVW) + (size_t)l * 3 * C * C, P(P_QKVB) + l * 3 * C, N, C,
                           3 * C);
        be_.attention_forward(atty, att, qkv, B, T, C, NH, layer_dropout(l, kDropAttention));
        be_.matmul_forward(a.proj, atty, P(P_ATTPROJW) + (size_t)l * C * C, P(P_ATTPROJB) + l * C,
                           N, C, C);
        be_.dropout_forward(a.proj, NC, layer_dropout(l, kDropAttnResidual));
        be_.residual_forward(residual2, residual, a.proj, NC);
        be_.layernorm_forward(ln2, a.ln2_mean + (size_t)l * N, a.ln2_rstd + (size_t)l * N,
                              residual2, P(P_LN2W) + l * C, P(P_LN2B) + l * C, N, C);
        be_.matmul_forward(fch, ln2, P(P_FCW) + (size_t)l * 4 * C * C, P(P_FCB) + l * 4 * C, N, C,
                           4 * C);
        be_.gelu_forward(fch_gelu, fch, NC * 4);
        be_.matmul_forward(a.proj, fch_gelu, P(P_FCPROJW) + (size_t)l * 4 * C * C,
                           P(P_FCPROJB) + l * C, N, 4 * C, C);
        be_.dropout_forward(a.proj, NC, layer_dropout(l, kDropMlpResidual));
        be_.residual_forward(residual3, residual2, a.proj, NC);
    }
    be_.layernorm_forward(a.lnf, a.lnf_mean, a.lnf_rstd, a.residual3 + (size_t)(L - 1) * NC,
                          P(P_LNFW), P(P_LNFB), N, C);
    be_.matmul_forward(a.logits, a.lnf, P(P_WTE), nullptr, N, C, Vp);
    if (!targets) return 0.0f;

    be_.crossentropy_forward_backward(a.logits, a.losses, a.targets, N, V, Vp, opt.dloss);
    std::vector<float> losses = read_losses();
    double sum = 0.0;
    for (float x : losses) sum += x;
    return (float)(sum / N);
}

void GPT2::backward() {
    if (!acts_ || !have_targets_ || last_opt_.dloss == 0.0f)
        throw Error("internal: backward() needs a forward() with targets and dloss != 0");
    Activations& a = *acts_;
    const int B = B_, T = T_;
    const int L = cfg_.num_layers, NH = cfg_.num_heads, C = cfg_.channels;
    const int Vp = cfg_.padded_vocab_size;
    const int N = B * T;
    const size_t NC = (size_t)N * C;
    auto P = [&](ParamIndex i) { return params_ + layout_.tensors[i].offset; };
    auto G = [&](ParamIndex i) { return grads_ + layout_.tensors[i].offset; };

    // LM head (tied to wte): logits already hold dlogits.
    be_.zero(a.dln, NC);
    be_.matmul_backward(a.dln, G(P_WTE), nullptr, a.logits, a.lnf, P(P_WTE), N, C, Vp);
    be_.zero(a.dresidual, NC);
    be_.layernorm_backward(a.dresidual, G(P_LNFW), G(P_LNFB), a.dln,
                           a.residual3 + (size_t)(L - 1) * NC, P(P_LNFW), a.lnf_mean, a.lnf_rstd,
                           N, C);

    // The gradient reaching a residual branch's output: d(residual) itself, or, with dropout
    // after the branch, a masked copy of it.
    auto branch_grad = [&](int layer, int site) -> const float* {
        Dropout d = layer_dropout(layer, site);
        if (!d.active()) return a.dresidual;
        be_.copy(a.dbuf, a.dresidual, NC);
        be_.dropout_backward(a.dbuf, NC, d);
        return a.dbuf;
    };
    for (int l = L - 1; l >= 0; l--) {
        const float* residual = l == 0 ? a.encoded : a.residual3 + (size_t)(l - 1) * NC;
        const float* ln1 = a.ln1 + l * NC;
        const float* qkv = a.qkv + l * NC * 3;
        const float* atty = a.atty + l * NC;
        const float* att = a.att + (size_t)l * NH * B * T * T;
        const float* residual2 = a.residual2 + l * NC;
        const float* ln2 = a.ln2 + l * NC;
        const float* fch = a.fch + l * NC * 4;
        const float* fch_gelu = a.fch_gelu + l * NC * 4;

        // dresidual holds d(residual3). MLP branch: residual3 = residual2 + dropout(fcproj).
        const float* dproj = branch_grad(l, kDropMlpResidual);
        be_.zero(a.dfch_gelu, NC * 4);
        be_.matmul_backward(a.dfch_gelu, G(P_FCPROJW) + (size_t)l * 4 * C * C, G(P_FCPROJB) + l * C,
                            dproj, fch_gelu, P(P_FCPROJW) + (size_t)l * 4 * C * C, N, 4 * C, C);
        be_.zero(a.dfch, NC * 4);
        be_.gelu_backward(a.dfch, fch, a.dfch_gelu, NC * 4);
        be_.zero(a.dln, NC);
        be_.matmul_backward(a.dln, G(P_FCW) + (size_t)l * 4 * C * C, G(P_FCB) + l * 4 * C, a.dfch,
                            ln2, P(P_FCW) + (size_t)l * 4 * C * C, N, C, 4 * C);
        // Adds the LayerNorm path: dresidual becomes d(residual2).
        be_.layernorm_backward(a.dresidual, G(P_LN2W) + l * C, G(P_LN2B) + l * C, a.dln, residual2,
                               P(P_LN2W) + l * C, a.ln2_mean + (size_t)l * N,
                               a.ln2_rstd + (size_t)l * N, N, C);

        // Attention branch: residual2 = residual + dropout(attproj).
        dproj = branch_grad(l, kDropAttnResidual);
        be_.zero(a.datty, NC);
        be_.matmul_backward(a.datty, G(P_ATTPROJW) + (size_t)l * C * C, G(P_ATTPROJB) + l * C,
                            dproj, atty, P(P_ATTPROJW) + (size_t)l * C * C, N, C, C);
        be_.zero(a.dqkv, NC * 3);
        be_.attention_backward(a.dqkv, a.datt, a.datty, qkv, att, B, T, C, NH,
                               layer_dropout(l, kDropAttention));
        be_.zero(a.dln, NC);
        be_.matmul_backward(a.dln, G(P_QKVW) + (size_t)l * 3 * C * C, G(P_QKVB) + l * 3 * C, a.dqkv,
                            ln1, P(P_QKVW) + (size_t)l * 3 * C * C, N, C, 3 * C);
        // Adds the LayerNorm path: dresidual becomes d(residual), the previous block's output.
        be_.layernorm_backward(a.dresidual, G(P_LN1W) + l * C, G(P_LN1B) + l * C, a.dln, residual,
                               P(P_LN1W) + l * C, a.ln1_mean + (size_t)l * N,
                               a.ln1_rstd + (size_t)l * N, N, C);
    }
    be_.dropout_backward(a.dresidual, NC, layer_dropout(L, kDropEmbedding));
    be_.encoder_backward(G(P_WTE), G(P_WPE), a.dresidual, a.tokens, B, T, C);
}

void GPT2::read_logits(int b, int t, std::vector<float>& out) const {
    out.resize(cfg_.vocab_size);
    const float* row = acts_->logits + ((size_t)b * T_ + t) * cfg_.padded_vocab_size;
    be_.to_host(out.data(), row, (size_t)cfg_.vocab_size * sizeof(float));
}

std::vector<float> GPT2::read_losses() const {
    std::vector<float> out((size_t)B_ * T_);
    be_.to_host(out.data(), acts_->losses, out.size() * sizeof(float));
    return out;
}

// Per layer, forward() packs att and fch with the current (B, T), so the first L layers'
// worth of each buffer is the whole tensor, whatever the buffers' capacity.
void GPT2::read_attention(std::vector<float>& out) const {
    if (!acts_) throw Error("internal: read_attention() before any forward()");
    out.resize((size_t)cfg_.num_layers * B_ * cfg_.num_heads * T_ * T_);
    be_.to_host(out.data(), acts_->att, out.size() * sizeof(float));
}

void GPT2::read_mlp_pre_gelu(std::vector<float>& out) const {
    if (!acts_) throw Error("internal: read_mlp_pre_gelu() before any forward()");
    out.resize((size_t)cfg_.num_layers * B_ * T_ * 4 * cfg_.channels);
    be_.to_host(out.data(), acts_->fch, out.size() * sizeof(float));
}

}  // namespace nanogpt
