#!/usr/bin/env bash
# gpu_bundle.sh: builds, HERE, everything bench/gpu-check.sh runs on a GPU machine that has CUDA
# but none of our Debian libraries (OpenBLAS, PCRE2, libzip, ... cannot be installed there).
#
#   scripts/gpu_bundle.sh            -> build-gpu/ (< 60 MiB) and data/shakespeare_char/
#
# The build tree is build-gpu-tree/ (objects stay there, so a second bundle rebuilds only what
# changed); build-gpu/, the folder that travels, holds only the stripped binaries (nanogpt, the
# "gpu"-labelled test binaries, the kernel lab, the benchmarks) and build-gpu/libs/: every
# shared library they load that is not glibc or CUDA (cuBLAS comes from the machine's CUDA),
# found with ldd. There they run with
#   LD_LIBRARY_PATH=build-gpu/libs:/usr/local/cuda/lib64
# The build has no RPATH, so nothing falls back to this machine's paths; the last step checks,
# with ldd and that LD_LIBRARY_PATH, that every library resolves into build-gpu/libs, CUDA or
# the C/C++ runtime, and that `build-gpu/nanogpt --help` runs.
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=build-gpu-tree
BUILD=build-gpu
LIBS=$BUILD/libs
JOBS=${JOBS:-2}

# Portable x86-64-v3 code (the GPU machine has another processor), Release, no RPATH.
mkdir -p "$TREE"
cmake -S . -B "$TREE" -DCMAKE_BUILD_TYPE=Release -DNANOGPT_NATIVE=OFF -DNANOGPT_CUDA=ON \
      -DCMAKE_SKIP_RPATH=ON > "$TREE/configure.log" 2>&1 || { cat "$TREE/configure.log"; exit 1; }

# The GPU tests are whatever tests/*/CMakeLists.txt label "gpu" (test_cuda_*); the kernel lab is
# one lab_<op> per bench/kernels/<op>.cu.
GPU_TESTS=$(grep -rhoE 'add_executable\(test_cuda_[A-Za-z0-9_]+' tests --include=CMakeLists.txt |
            sed 's/add_executable(//' | sort -u)
LABS=$(for f in bench/kernels/*.cu; do echo "lab_$(basename "$f" .cu)"; done)
TARGETS="nanogpt $GPU_TESTS $LABS"
for b in bench_cpu_step bench_viz_overhead bench_op_profile; do TARGETS="$TARGETS $b"; done
echo "gpu_bundle: building $TARGETS"
cmake --build "$TREE" -j"$JOBS" --target $TARGETS

# The binaries, stripped, at fixed places: build-gpu/nanogpt, build-gpu/bin/<name>.
rm -rf "$BUILD"
mkdir -p "$BUILD/bin"
cp -f "$TREE/nanogpt" "$BUILD/nanogpt"
BINS=("$BUILD/nanogpt")
for t in $TARGETS; do
    [ "$t" = nanogpt ] && continue
    f=$(find "$TREE" -type f -name "$t" -perm -u+x -print | head -1)
    [ -n "$f" ] || { echo "gpu_bundle: $t was not built" >&2; exit 1; }
    cp -f "$f" "$BUILD/bin/$t"
    BINS+=("$BUILD/bin/$t")
done
strip --strip-unneeded "${BINS[@]}"

# Libraries: everything ldd resolves outside glibc and CUDA, copied under its soname.
# glibc, the loader, the vDSO and the C++ runtime are the machine's own (the binaries need at
# most GLIBC_2.34 and GLIBCXX_3.4.29: Ubuntu 22.04 and later have them; checked below).
is_system() {
    case $1 in
        linux-vdso.so*|ld-linux*|libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|libresolv.so*) return 0 ;;
        libstdc++.so*|libgcc_s.so*) return 0 ;;
        libcuda.so*|libcublas*|libcudart*|libnvrtc*|libnvJitLink*) return 0 ;;
        *) return 1 ;;
    esac
}
mkdir -p "$LIBS"
for bin in "${BINS[@]}"; do
    ldd "$bin" | awk '/=>/ && $3 ~ /^\// {print $1, $3}' | while read -r name path; do
        is_system "$name" && continue
        [ -f "$LIBS/$name" ] || cp -L "$path" "$LIBS/$name"
    done
done
strip --strip-unneeded "$LIBS"/*.so* 2>/dev/null || true

# Data for the shakespeare_char run, prepared here (the GPU machine has no corpus).
if [ ! -f data/shakespeare_char/train.bin ]; then
    INPUT=../shared/data/tinyshakespeare/input.txt
    [ -f "$INPUT" ] || INPUT=/work/shared/data/tinyshakespeare/input.txt
    "$BUILD/nanogpt" prepare --tokenizer char --input "$INPUT" --out data/shakespeare_char
fi

# Check: every library resolves into the bundle, CUDA or the C runtime, never this machine's
# /usr/lib copies of what we ship (that fallback would hide a missing library).
export LD_LIBRARY_PATH="$PWD/$LIBS:/usr/local/cuda/lib64"
bad=0
for bin in "${BINS[@]}"; do
    while read -r name path; do
        if [ "$path" = "not" ]; then echo "gpu_bundle: $bin: $name not found" >&2; bad=1; continue; fi
        case $path in
            "$PWD/$LIBS"/*|/usr/local/cuda*) ;;
            *) is_system "$name" || { echo "gpu_bundle: $bin: $name resolves to $path" >&2; bad=1; } ;;
        esac
    done < <(ldd "$bin" | awk '/=>/ {print $1, $3}')
done
[ $bad -eq 0 ] || exit 1
for bin in "${BINS[@]}"; do
    for v in GLIBC GLIBCXX; do
        objdump -T "$bin" | grep -o "${v}_[0-9.]*" | sort -V | tail -1
    done
done | sort -uV | tr '\n' ' ' | sed 's/^/gpu_bundle: symbol versions needed (newest): /'
echo
"$BUILD/nanogpt" --help > /dev/null
size=$(du -sm "$BUILD" | cut -f1)
[ "$size" -lt 60 ] || { echo "gpu_bundle: $BUILD is ${size} MiB, over the 60 MiB limit" >&2; exit 1; }
echo "gpu_bundle: ok: ${#BINS[@]} binaries, $(ls "$LIBS" | wc -l) libraries, ${size} MiB"
ls "$LIBS"
