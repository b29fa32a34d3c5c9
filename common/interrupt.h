// interrupt.h: Ctrl-C (SIGINT) and SIGTERM as a request to stop at the next safe point, instead
// of dying mid-write. While a StopRequest is alive, the first signal is recorded (and one line
// says so); a second one stops the process at once, as without it.
#pragma once

namespace nanogpt {

class StopRequest {
public:
    StopRequest();   // installs the handlers
    ~StopRequest();  // restores the previous ones
    StopRequest(const StopRequest&) = delete;
    StopRequest& operator=(const StopRequest&) = delete;

    // The signal received (SIGINT, SIGTERM), 0 while none.
    int signal() const;
    static const char* name(int signal);  // "SIGINT", "SIGTERM"
};

}  // namespace nanogpt
