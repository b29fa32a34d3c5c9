// adamw.cu: (being written)
#include "kernels/cuda/cuda_backend.h"
