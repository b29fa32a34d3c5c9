// output.h: writing an export file atomically: everything goes to "<path>.tmp", which
// is synced and renamed over path only when complete, so a failed or interrupted export never
// leaves a torn file under the requested name.
#pragma once
#include <cstddef>
#include <cstdio>
#include <string>

namespace nanogpt::viz::exporting {

class AtomicOutputFile {
public:
    // Creates path.tmp; throws nanogpt::Error naming path when it cannot.
    explicit AtomicOutputFile(std::string path);
    ~AtomicOutputFile();  // removes the temp file unless commit() ran
    AtomicOutputFile(const AtomicOutputFile&) = delete;
    AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;

    void write(const void* data, size_t bytes);
    void write(const std::string& text) { write(text.data(), text.size()); }
    void commit();  // flush, fsync, rename over path

private:
    std::string path_, tmp_path_;
    std::FILE* file_ = nullptr;
};

// For writers that produce the temp file themselves (libzip): fsync tmp_path and rename it
// over path; throws nanogpt::Error naming path on failure.
void commit_temp_file(const std::string& tmp_path, const std::string& path);

}  // namespace nanogpt::viz::exporting
