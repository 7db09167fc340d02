#!/bin/sh
# Regenerates the test modules (go generate ./replica/engine); needs python3 and wabt's wat2wasm.
set -e
cd "$(dirname "$0")"
python3 gen_features.py
for f in *.wat; do wat2wasm --enable-all "$f" -o "${f%.wat}.wasm"; done
wat2wasm --enable-all --debug-names profile.wat -o profile.wasm # function names for Config.Profile
