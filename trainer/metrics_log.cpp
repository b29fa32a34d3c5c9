#include "trainer/metrics_log.h"

#include <cerrno>
#include <cstring>
#include <sstream>

#include "common/error.h"
#include "common/file_io.h"

namespace nanogpt {

namespace {
constexpr const char* kHeader = "step,train_loss,val_loss,lr,grad_norm,ms,tokens_per_s,mfu\n";
}

MetricsLog::MetricsLog(const std::string& path, int resume_step) : path_(path) {
    std::string kept = kHeader;
    if (resume_step >= 0 && file_exists(path)) {
        std::istringstream in(read_file(path));
        std::string line;
        std::getline(in, line);  // header
        while (std::getline(in, line)) {
            if (line.empty()) continue;
            if (std::atoi(line.c_str()) < resume_step) kept += line + "\n";
        }
    }
    write_file_atomic(path, kept.data(), kept.size());
    f_ = std::fopen(path.c_str(), "ab");
    if (!f_) throw Error("cannot open '" + path + "' for writing: " + std::strerror(errno));
}

MetricsLog::~MetricsLog() {
    if (f_) std::fclose(f_);
}

void MetricsLog::write(const StepMetrics& r) {
    auto cell = [&](const std::optional<float>& v, const char* fmt) {
        std::fputc(',', f_);
        if (v) std::fprintf(f_, fmt, *v);
    };
    std::fprintf(f_, "%d", r.step);
    cell(r.train_loss, "%.6f");
    cell(r.val_loss, "%.6f");
    cell(r.lr, "%.6e");
    cell(r.grad_norm, "%.6f");
    cell(r.ms, "%.3f");
    cell(r.tokens_per_s, "%.1f");
    cell(r.mfu, "%.4f");
    std::fputc('\n', f_);
    std::fflush(f_);
}

}  // namespace nanogpt
