// output.cpp: atomic export files (see viz/export/output.h).
#include "viz/export/output.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "common/error.h"

namespace nanogpt::viz::exporting {

namespace {

const char* kWritableHint = "check that the output directory exists and is writable";

[[noreturn]] void fail(const std::string& path, int err) {
    throw Error("cannot write '" + path + "': " + std::strerror(err), kWritableHint);
}

}  // namespace

AtomicOutputFile::AtomicOutputFile(std::string path) : path_(std::move(path)), tmp_path_(path_ + ".tmp") {
    file_ = std::fopen(tmp_path_.c_str(), "wb");
    if (!file_) fail(path_, errno);
}

AtomicOutputFile::~AtomicOutputFile() {
    if (!file_) return;
    std::fclose(file_);
    ::unlink(tmp_path_.c_str());
}

void AtomicOutputFile::write(const void* data, size_t bytes) {
    if (bytes > 0 && std::fwrite(data, 1, bytes, file_) != bytes) fail(path_, errno);
}

void AtomicOutputFile::commit() {
    if (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0) fail(path_, errno);
    std::FILE* f = file_;
    file_ = nullptr;
    if (std::fclose(f) != 0) {
        int err = errno;
        ::unlink(tmp_path_.c_str());
        fail(path_, err);
    }
    if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp_path_.c_str());
        fail(path_, err);
    }
}

void commit_temp_file(const std::string& tmp_path, const std::string& path) {
    int fd = ::open(tmp_path.c_str(), O_RDONLY);
    int err = 0;
    if (fd < 0 || ::fsync(fd) != 0) err = errno;
    if (fd >= 0) ::close(fd);
    if (!err && std::rename(tmp_path.c_str(), path.c_str()) != 0) err = errno;
    if (err) {
        ::unlink(tmp_path.c_str());
        fail(path, err);
    }
}

}  // namespace nanogpt::viz::exporting
