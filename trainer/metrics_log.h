// metrics_log.h: <out_dir>/metrics.csv, one row per step, flushed as it is written so a killed
// run keeps every finished step. Columns:
//   step,train_loss,val_loss,lr,grad_norm,ms,tokens_per_s,mfu
// Empty cells where a value was not measured (val_loss between evaluations; the train columns
// on the final evaluation-only row; mfu where the device's peak is unknown, e.g. the CPU).
#pragma once
#include <cstdio>
#include <string>

#include "trainer/observer.h"  // StepMetrics: one row, the same record the dashboard receives

namespace nanogpt {

class MetricsLog {
public:
    // resume_step < 0: start a new file. Otherwise keep the rows of steps before resume_step
    // (a resumed run rewrites the rest, bit-identical on the CPU).
    MetricsLog(const std::string& path, int resume_step);
    ~MetricsLog();
    void write(const StepMetrics& row);
    const std::string& path() const { return path_; }

private:
    std::string path_;
    FILE* f_ = nullptr;
};

}  // namespace nanogpt
