// download.cpp: curl as a child process (no shell, so paths need no quoting).
#include "data/download.h"

#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "common/error.h"

extern char** environ;

namespace nanogpt {

void download_file(const std::string& url, const std::string& path,
                   const std::string& hint_if_failed) {
    const std::string partial = path + ".download";
    // -f: fail on HTTP errors instead of saving the error page; -sS: quiet but show errors;
    // -L: follow redirects. Timeouts keep a dead network from hanging prepare.
    std::vector<std::string> args = {"curl", "-fsSL", "--connect-timeout", "20", "--max-time",
                                     "600", "-o", partial, url};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    pid_t pid;
    const int spawn_error = posix_spawnp(&pid, "curl", nullptr, nullptr, argv.data(), environ);
    if (spawn_error != 0) {
        throw Error("cannot run curl to download " + url + ": " + std::strerror(spawn_error),
                    "install curl, or " + hint_if_failed);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw Error(std::string("waiting for curl failed: ") + std::strerror(errno));
    }
    struct stat st;
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
                    ::stat(partial.c_str(), &st) == 0 && st.st_size > 0;
    if (!ok) {
        ::unlink(partial.c_str());
        const std::string why = !WIFEXITED(status)        ? "curl was killed"
                                : WEXITSTATUS(status) != 0 ? "curl exited with status " +
                                                                 std::to_string(WEXITSTATUS(status))
                                                           : "the download was empty";
        throw Error("could not download " + url + " (" + why + "; are you offline?)",
                    hint_if_failed);
    }
    if (std::rename(partial.c_str(), path.c_str()) != 0) {
        const int e = errno;
        ::unlink(partial.c_str());
        throw Error("cannot rename '" + partial + "' to '" + path + "': " + std::strerror(e));
    }
}

}  // namespace nanogpt
