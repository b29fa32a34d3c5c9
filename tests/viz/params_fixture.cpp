// params_fixture.cpp: the recorded-run fixture of the parameter detectors (params_fixture.h).
#include "tests/viz/params_fixture.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace nanogpt::test {

namespace {
constexpr int kFloatsPerSlab = 4;  // sumsq, grad_sumsq, update_sumsq, sigma_max

size_t slab_count(const ModelDesc& m) {
    size_t n = 0;
    for (const TensorDesc& t : m.tensors) n += t.layers;
    return n;
}
}  // namespace

uint64_t ParamsFixture::count_of(size_t slab) const {
    size_t k = 0;
    for (const TensorDesc& t : model.tensors)
        for (int l = 0; l < t.layers; l++, k++)
            if (k == slab) return (uint64_t)(t.name == "wte" ? model.V : t.rows) * t.cols;
    return 0;
}

void ParamsFixture::save(const std::string& path) const {
    rapidjson::StringBuffer sb;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(sb);
    w.SetIndent(' ', 1);
    w.StartObject();
    w.Key("model");
    w.StartObject();
    for (auto [k, v] : {std::pair{"L", model.L}, {"NH", model.NH}, {"C", model.C}, {"V", model.V}, {"Vp", model.Vp},
                        {"maxT", model.maxT}}) {
        w.Key(k);
        w.Int(v);
    }
    w.Key("tensors");
    w.StartArray();
    for (const TensorDesc& t : model.tensors) {
        w.StartArray();
        w.String(t.name.c_str());
        w.Uint64(t.offset);
        w.Int(t.layers);
        w.Int(t.rows);
        w.Int(t.cols);
        w.EndArray();
    }
    w.EndArray();
    w.Key("tokens_by_frequency");
    w.StartArray();
    for (int t : model.tokens_by_frequency) w.Int(t);
    w.EndArray();
    w.Key("token_text");
    w.StartArray();
    for (const std::string& t : model.token_text) w.String(t.c_str());
    w.EndArray();
    w.EndObject();
    w.Key("run");
    w.StartObject();
    w.Key("learning_rate"); w.Double(run.learning_rate);
    w.Key("min_lr"); w.Double(run.min_lr);
    w.Key("weight_decay"); w.Double(run.weight_decay);
    w.Key("warmup_iters"); w.Int(run.warmup_iters);
    w.Key("lr_decay_iters"); w.Int(run.lr_decay_iters);
    w.Key("max_iters"); w.Int(run.max_iters);
    w.Key("eval_interval"); w.Int(run.eval_interval);
    w.Key("decay_lr"); w.Bool(run.decay_lr);
    w.EndObject();
    w.Key("steps");
    w.StartArray();
    for (int s : steps) w.Int(s);
    w.EndArray();
    w.Key("wte_steps");
    w.StartArray();
    for (int s : wte_steps) w.Int(s);
    w.EndArray();
    w.EndObject();
    std::ofstream(path + ".json") << sb.GetString() << "\n";

    std::vector<float> bin;
    for (const std::vector<TensorStats>& frame : stats)
        for (const TensorStats& s : frame) {
            bin.push_back((float)s.sumsq);
            bin.push_back((float)s.grad_sumsq);
            bin.push_back((float)s.update_sumsq);
            bin.push_back(s.sigma_max);
        }
    for (const std::vector<float>& w2 : wte) bin.insert(bin.end(), w2.begin(), w2.end());
    std::ofstream f(path + ".bin", std::ios::binary);
    f.write(reinterpret_cast<const char*>(bin.data()), (std::streamsize)(bin.size() * sizeof(float)));
    if (!f) throw std::runtime_error("cannot write " + path + ".bin");
}

ParamsFixture ParamsFixture::load(const std::string& path) {
    std::ifstream jf(path + ".json");
    if (!jf) throw std::runtime_error("cannot read " + path + ".json");
    std::stringstream ss;
    ss << jf.rdbuf();
    rapidjson::Document d;
    d.Parse(ss.str().c_str());
    if (d.HasParseError() || !d.IsObject()) throw std::runtime_error(path + ".json: not JSON");
    ParamsFixture fx;
    const auto& m = d["model"];
    fx.model.L = m["L"].GetInt();
    fx.model.NH = m["NH"].GetInt();
    fx.model.C = m["C"].GetInt();
    fx.model.V = m["V"].GetInt();
    fx.model.Vp = m["Vp"].GetInt();
    fx.model.maxT = m["maxT"].GetInt();
    for (const auto& t : m["tensors"].GetArray())
        fx.model.tensors.push_back({t[0].GetString(), (size_t)t[1].GetUint64(), t[2].GetInt(), t[3].GetInt(), t[4].GetInt()});
    for (const auto& t : m["tokens_by_frequency"].GetArray()) fx.model.tokens_by_frequency.push_back(t.GetInt());
    for (const auto& t : m["token_text"].GetArray()) fx.model.token_text.push_back(t.GetString());
    const auto& r = d["run"];
    fx.run.learning_rate = r["learning_rate"].GetDouble();
    fx.run.min_lr = r["min_lr"].GetDouble();
    fx.run.weight_decay = r["weight_decay"].GetDouble();
    fx.run.warmup_iters = r["warmup_iters"].GetInt();
    fx.run.lr_decay_iters = r["lr_decay_iters"].GetInt();
    fx.run.max_iters = r["max_iters"].GetInt();
    fx.run.eval_interval = r["eval_interval"].GetInt();
    fx.run.decay_lr = r["decay_lr"].GetBool();
    for (const auto& s : d["steps"].GetArray()) fx.steps.push_back(s.GetInt());
    for (const auto& s : d["wte_steps"].GetArray()) fx.wte_steps.push_back(s.GetInt());

    const size_t slabs = slab_count(fx.model);
    const size_t wte_floats = (size_t)fx.model.V * fx.model.C;
    const size_t want = fx.steps.size() * slabs * kFloatsPerSlab + fx.wte_steps.size() * wte_floats;
    std::vector<float> bin(want);
    std::ifstream bf(path + ".bin", std::ios::binary);
    bf.read(reinterpret_cast<char*>(bin.data()), (std::streamsize)(want * sizeof(float)));
    if (!bf || bf.peek() != EOF) throw std::runtime_error(path + ".bin: not the size its .json describes");
    size_t at = 0;
    for (size_t f = 0; f < fx.steps.size(); f++) {
        std::vector<TensorStats> frame(slabs);
        for (size_t k = 0; k < slabs; k++) {
            frame[k].count = fx.count_of(k);
            frame[k].sumsq = bin[at++];
            frame[k].grad_sumsq = bin[at++];
            frame[k].update_sumsq = bin[at++];
            frame[k].sigma_max = bin[at++];
        }
        fx.stats.push_back(std::move(frame));
    }
    for (size_t w = 0; w < fx.wte_steps.size(); w++) {
        fx.wte.emplace_back(bin.begin() + at, bin.begin() + at + wte_floats);
        at += wte_floats;
    }
    return fx;
}

}  // namespace nanogpt::test
