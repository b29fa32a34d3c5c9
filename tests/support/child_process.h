// child_process.h: a program started by a test, with its output read line by line and its pid
// known (to signal it). stdout and stderr arrive together. The child is killed if the test
// ends before it does.
#pragma once
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>

namespace nanogpt::test {

class ChildProcess {
public:
    // Runs `command` with /bin/sh -c "exec command", so the pid is the program's own.
    explicit ChildProcess(const std::string& command) {
        int fds[2];
        if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            ::dup2(fds[1], STDOUT_FILENO);
            ::dup2(fds[1], STDERR_FILENO);
            ::close(fds[0]);
            ::close(fds[1]);
            const std::string exec = "exec " + command;
            ::execl("/bin/sh", "sh", "-c", exec.c_str(), (char*)nullptr);
            ::_exit(127);
        }
        ::close(fds[1]);
        out_ = ::fdopen(fds[0], "r");
    }
    ~ChildProcess() {
        if (pid_ > 0 && !status_) {
            ::kill(pid_, SIGKILL);
            wait();
        }
        if (out_) std::fclose(out_);
    }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }

    // The next line of output (without its newline), nullopt at the end.
    std::optional<std::string> line() {
        char buf[8192];
        if (!std::fgets(buf, sizeof buf, out_)) return std::nullopt;
        std::string s(buf);
        if (!s.empty() && s.back() == '\n') s.pop_back();
        output_ += s + "\n";
        return s;
    }
    // Reads lines until one matches; the match, or nullopt when the output ended first.
    std::optional<std::smatch> until(const std::regex& re) {
        while (auto l = line()) {
            last_ = *l;
            std::smatch m;
            if (std::regex_search(last_, m, re)) return m;
        }
        return std::nullopt;
    }
    // Reads the rest of the output, then waits: the exit code, or 128 + the signal that killed it.
    int wait() {
        while (out_ && line()) {}
        if (!status_) {
            int st = 0;
            ::waitpid(pid_, &st, 0);
            status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        return *status_;
    }
    void signal(int sig) { ::kill(pid_, sig); }
    // Everything read so far.
    const std::string& output() const { return output_; }

private:
    pid_t pid_ = -1;
    FILE* out_ = nullptr;
    std::optional<int> status_;
    std::string output_, last_;
};

}  // namespace nanogpt::test
