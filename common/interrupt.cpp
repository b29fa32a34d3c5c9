// interrupt.cpp: the signal handlers behind StopRequest (interrupt.h). The handler only stores
// the signal and writes one line (both async-signal-safe); the program polls signal().
#include "common/interrupt.h"

#include <atomic>
#include <csignal>
#include <cstring>

#include <unistd.h>

namespace nanogpt {
namespace {

std::atomic<int> g_signal{0};
struct sigaction g_previous_int, g_previous_term;

void on_signal(int sig) {
    int expected = 0;
    if (!g_signal.compare_exchange_strong(expected, sig)) {
        // The second signal: the default action, now (the user really wants out).
        std::signal(sig, SIG_DFL);
        std::raise(sig);
        return;
    }
    const char msg[] = "\ninterrupt: finishing the step in flight (press Ctrl-C again to stop at once)\n";
    [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
}

}  // namespace

StopRequest::StopRequest() {
    g_signal = 0;
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;  // blocking reads and writes go on after the handler
    sigaction(SIGINT, &sa, &g_previous_int);
    sigaction(SIGTERM, &sa, &g_previous_term);
}

StopRequest::~StopRequest() {
    sigaction(SIGINT, &g_previous_int, nullptr);
    sigaction(SIGTERM, &g_previous_term, nullptr);
}

int StopRequest::signal() const { return g_signal.load(); }

const char* StopRequest::name(int sig) {
    if (sig == SIGINT) return "SIGINT";
    if (sig == SIGTERM) return "SIGTERM";
    return "a signal";
}

}  // namespace nanogpt
