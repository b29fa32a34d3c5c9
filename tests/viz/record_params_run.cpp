// record_params_run.cpp: records the fixture of test_insights_params' real-run tests: trains
// a run (nanogpt train's options and config files) watched by an observer that keeps what the
// parameter detectors read, every `--every`-th snapshot of the dashboard's default interval,
// and the whole wte at the `--wte-steps`. Not a test: run it by hand when the fixture is to be
// recorded again (tests/viz/fixtures/README.md says how it was made).
//   record_params_run --config configs/shakespeare_char_cpu.toml --data-dir DATA --out-dir OUT
//                     --fixture tests/viz/fixtures/params_char_cpu [--interval 10] [--every 2]
//                     [--wte-steps 10,200,2000]
#include <cstdio>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>

#include "common/config_file.h"
#include "tests/viz/params_fixture.h"
#include "trainer/train_config.h"
#include "trainer/train_run.h"
#include "viz/insights/spectra.h"

using namespace nanogpt;

namespace {

class Recorder final : public TrainingObserver {
public:
    Recorder(int interval, std::set<int> wte_steps) : interval_(interval), wte_steps_(std::move(wte_steps)) {}
    test::ParamsFixture fx;

    void run_started(const ModelDesc& model, const RunInfo& run) override {
        fx.model = model;
        fx.run = run;
        size_t slabs = 0;
        for (const TensorDesc& t : model.tensors) slabs += t.layers;
        request_.stats.resize(slabs);
        for (const TensorDesc& t : model.tensors)
            if (t.name == "wte")
                for (uint64_t i = 0; i < (uint64_t)model.V * model.C; i++) wte_indices_.push_back(t.offset + i);
    }
    void step_finished(const StepMetrics&) override {}
    void event(int, EventKind, const std::string&) override {}
    SnapshotRequest* snapshot_due(int step, bool final_state) override {
        if (step % interval_ != 0 && !final_state && !wte_steps_.count(step)) return nullptr;
        request_.step = step;
        for (TensorStats& s : request_.stats) {
            s = TensorStats{};
            s.want_hist = false;
        }
        viz::insights::request_sigma(fx.model, request_.stats);
        return &request_;
    }
    void snapshot_ready(SnapshotRequest* r, ParamReader& reader) override {
        if (r->step % interval_ == 0 || r->step == fx.run.max_iters) {
            fx.steps.push_back(r->step);
            fx.stats.push_back(r->stats);
        }
        if (wte_steps_.count(r->step)) {
            std::vector<float> v(wte_indices_.size()), g(wte_indices_.size());
            reader.gather(wte_indices_, v.data(), g.data())->wait();
            fx.wte_steps.push_back(r->step);
            fx.wte.push_back(std::move(v));
        }
    }
    void run_finished(RunEnd) override {}
    std::string banner() const override { return "record_params_run"; }

private:
    int interval_;
    std::set<int> wte_steps_;
    SnapshotRequest request_;
    std::vector<uint64_t> wte_indices_;
};

}  // namespace

int main(int argc, char** argv) {
    CLI::App app("record_params_run: the parameter detectors' fixture of a real run");
    TrainConfig cfg;
    std::string config_path, fixture, wte_steps = "10,200,2000";
    int interval = 10, every = 2;
    add_train_options(app, cfg, config_path);
    app.add_option("--fixture", fixture, "output path without extension")->required();
    app.add_option("--interval", interval, "the dashboard's snapshot interval");
    app.add_option("--every", every, "keep every n-th snapshot");
    app.add_option("--wte-steps", wte_steps, "steps whose whole wte is kept (comma-separated)");
    try {
        app.parse(argc, argv);
        if (!config_path.empty()) apply_config_file(app, config_path);
        cfg.validate();
        std::set<int> keep;
        std::stringstream ss(wte_steps);
        for (std::string s; std::getline(ss, s, ',');) keep.insert(std::stoi(s));
        Recorder rec(interval * every, keep);
        run_train(cfg, "", &rec);
        rec.fx.save(fixture);
        std::printf("record_params_run: %zu snapshots, %zu wte steps -> %s.{json,bin}\n", rec.fx.steps.size(),
                    rec.fx.wte_steps.size(), fixture.c_str());
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "record_params_run: %s\n", e.what());
        return 1;
    }
    return 0;
}
