#!/usr/bin/env bash
# Installs everything nanogpt needs on a fresh Debian machine, then configures and builds it.
# Idempotent: packages already present are skipped, npm and cmake only redo what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(
  build-essential cmake pkg-config git
  libopenblas-openmp-dev             # CPU backend: sgemm, OpenMP-threaded
  libpcre2-dev                       # GPT-2 pre-tokenizer (Unicode classes)
  libcli11-dev rapidjson-dev         # command line + config files, JSON
  libboost-dev libzip-dev            # HTTP/WebSocket hub, .npz export
  zlib1g-dev                         # gzip of a saved report's frames (nanogpt report)
  libgtest-dev                       # tests
  libopenmpi-dev openmpi-bin         # data-parallel training across processes (mpirun)
  python3-torch python3-numpy        # numerical reference (run with /usr/bin/python3)
  chromium fonts-dejavu-core         # dashboard end-to-end tests (driven by playwright-core)
  curl ca-certificates               # downloading the default data set when missing
)

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm: machines may already have them from elsewhere (newer than Debian's); a Debian
# npm would then conflict, so install them only when the commands are missing.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  echo "[setup] installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Torch and our trainer must use the same BLAS for benchmarks to be fair: select OpenBLAS's
# OpenMP variant for libblas.so.3, the one we link (Debian's reference BLAS is many times
# slower, and the pthread variant fights OpenMP thread pools for the cores).
if command -v update-alternatives >/dev/null; then
  alt=$(update-alternatives --list libblas.so.3-x86_64-linux-gnu 2>/dev/null | grep openblas-openmp | head -1 || true)
  if [ -n "$alt" ] && [ "$(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu)" != "$(readlink -f "$alt")" ]; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO update-alternatives --set libblas.so.3-x86_64-linux-gnu "$alt"
  fi
fi

# npm packages (GPT-2 BPE vocabulary and merges; frontend libraries).
if [ ! -f node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] npm install"
  npm install --no-audit --no-fund --loglevel=error
fi

# The dashboard's libraries (three.js, uPlot) are served by the hub straight from node_modules/
# at /vendor/<package>/ (never a CDN: the machine may be offline). Remove the copies that older
# set-ups made under frontend/vendor/.
rm -rf frontend/vendor

# Configure and build.
BUILD_DIR=${BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$BUILD_DIR" -j "$(nproc)"
