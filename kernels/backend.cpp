// backend.cpp: the defaults of Backend's optional slots (contract in backend.h).
#include "kernels/backend.h"

#include "kernels/op_timer.h"

namespace nanogpt {

std::unique_ptr<OpTimer> Backend::make_timer() { return nullptr; }

}  // namespace nanogpt
