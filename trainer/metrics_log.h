// metrics_log.h: <out_dir>/metrics.csv, one row per step, flushed as it is written so a killed
// run keeps every finished step. Columns:
//   step,train_loss,val_loss,lr,grad_norm,ms,tokens_per_s
// Empty cells where a value was not measured (val_loss between evaluations; the train columns
// on the final evaluation-only row).
#pragma once
#include <cstdio>
#include <optional>
#include <string>

namespace nanogpt {

struct StepRow {
    int step = 0;
    std::optional<float> train_loss, val_loss, lr, grad_norm, ms, tokens_per_s;
};

class MetricsLog {
public:
    // resume_step < 0: start a new file. Otherwise keep the rows of steps before resume_step
    // (a resumed run rewrites the rest, bit-identical on the CPU).
    MetricsLog(const std::string& path, int resume_step);
    ~MetricsLog();
    void write(const StepRow& row);
    const std::string& path() const { return path_; }

private:
    std::string path_;
    FILE* f_ = nullptr;
};

}  // namespace nanogpt
