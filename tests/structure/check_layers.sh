#!/usr/bin/env bash
# check_layers.sh SOURCE_DIR: the folders' dependency rules (docs/architecture.md), read from the
# #include lines of every C++/CUDA file. Fails naming each include that breaks a rule:
#   common/   includes only common/
#   data/     common/, data/
#   kernels/  common/, kernels/
#   dist/     common/, kernels/, dist/   (the ranks of a job; NCCL queues on a backend's stream)
#   trainer/  common/, data/, kernels/, dist/, trainer/   (never viz/ or app/: the trainer owns its
#             observer contract and is watched through it)
#   viz/      common/, viz/, and of the trainer only trainer/observer.h (the contract it
#             implements) and the kernels header that contract uses
#   app/      anything (the entry point wires the others)
set -uo pipefail
src=${1:?usage: check_layers.sh SOURCE_DIR}
cd "$src" || exit 2
bad=0
check() {  # folder, allowed include pattern (extended regex on the included path)
  local folder=$1 allowed=$2
  while IFS= read -r hit; do
    file=${hit%%:*}
    inc=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"$hit")
    # Quoted includes of a file's own neighbours ("hub_test_client.h") are not layer crossings.
    [[ $inc != */* ]] && continue
    if ! [[ $inc =~ $allowed ]]; then
      echo "layering: $file includes \"$inc\" (allowed from $folder/: $allowed)"
      bad=1
    fi
  done < <(grep -rnE '^\s*#\s*include "' "$folder" --include='*.h' --include='*.cpp' --include='*.cu' --include='*.cuh' \
           | sed -E 's/^([^:]+):[0-9]+:/\1:/')
}
check common  '^common/'
check data    '^(common|data)/'
check kernels '^(common|kernels)/'
check dist    '^(common|kernels|dist)/'
check trainer '^(common|data|kernels|dist|trainer)/'
check viz     '^(common/|viz/|trainer/observer\.h$|kernels/backend\.h$)'
# The trainer library must not link the dashboard either.
if grep -qE 'nanogpt_viz' trainer/CMakeLists.txt; then
  echo "layering: trainer/CMakeLists.txt links nanogpt_viz"
  bad=1
fi
if ((bad)); then exit 1; fi
echo "layering: every include follows the folder rules"
