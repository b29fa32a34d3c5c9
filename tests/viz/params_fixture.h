// params_fixture.h: a recorded run as the parameter detectors see it, small enough to keep in
// the repository (tests/viz/fixtures/params_*): the model's layout and tokens, the run's
// schedule, and per snapshot the statistics the detectors read (sumsq, grad_sumsq,
// update_sumsq, sigma_max of every slab), plus the whole wte at a few steps.
//
// Files: <name>.json (model, run, steps) and <name>.bin (little-endian float32: per snapshot
// 4 floats per slab in ModelDesc order, then per wte step V x C floats). Written by
// record_params_run (tests/viz/record_params_run.cpp), read by test_insights_params.cpp.
#pragma once
#include <string>
#include <vector>

#include "trainer/observer.h"

namespace nanogpt::test {

struct ParamsFixture {
    ModelDesc model;
    RunInfo run;
    std::vector<int> steps;                     // snapshot steps
    std::vector<std::vector<TensorStats>> stats;  // per snapshot, per slab (sums and sigma only)
    std::vector<int> wte_steps;                 // steps whose whole wte is kept
    std::vector<std::vector<float>> wte;        // per wte step, V x C

    // count of slab k (wte counts V rows, not the padded Vp), as the optimizer's pass.
    uint64_t count_of(size_t slab) const;
    void save(const std::string& path_without_extension) const;
    static ParamsFixture load(const std::string& path_without_extension);
};

}  // namespace nanogpt::test
