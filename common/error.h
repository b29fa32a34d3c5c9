// error.h: the one exception type nanogpt throws for user-facing failures.
// Every error says what went wrong and, where we know it, what to do about it (the hint).
// The CLI prints "error: <what>" and "hint: <hint>" and exits 1; no stack traces reach users.
#pragma once
#include <stdexcept>
#include <string>

namespace nanogpt {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& what, std::string hint = "")
        : std::runtime_error(what), hint_(std::move(hint)) {}
    const std::string& hint() const { return hint_; }

private:
    std::string hint_;
};

}  // namespace nanogpt
