#!/bin/sh
# Rebuilds counter.wasm from counter.c (Debian: apt-get install clang lld).
set -e
cd "$(dirname "$0")"
clang --target=wasm32 -O2 -nostdlib -fno-builtin -Wl,--no-entry -Wl,--strip-all -o counter.wasm counter.c
