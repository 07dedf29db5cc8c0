#!/bin/sh
# Builds {{name}}.wasm with componentize-py (pip install componentize-py==0.25.1).
# --stub-wasi: the component imports no WASI interface (no sockets, files or
# clock); paybridge refuses a connector that does. print() then goes nowhere:
# log with host.log (app.py's `guarded` logs every exception).
set -eu
cd "$(dirname "$0")"
componentize-py -d wit -w connector componentize --stub-wasi app -o {{name}}.wasm
