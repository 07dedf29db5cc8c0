#!/bin/sh
# The golden test with CPython, against the contract's Python bindings
# (generated into bindings/ by componentize-py).
set -eu
cd "$(dirname "$0")"
componentize-py -d wit -w connector bindings bindings
PYTHONPATH=bindings python3 -m unittest -v test_mapping
