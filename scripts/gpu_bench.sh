#!/usr/bin/env bash
# The GPU run (benchmarks/gpu.py) on a machine with JAX (CUDA) and Python 3.12 preinstalled and
# no network: installs the wheels that `make gpu-wheels` put in wheelhouse/ into a private
# folder (never over the machine's own numpy or JAX), lays out the encke package from this
# checkout as pyproject.toml maps it (encke.engine -> engine/, ...), and runs the benchmark.
#   scripts/gpu_bench.sh [--tiny] [--budget SECONDS] [--out DIR]
# PYTHON (default python3) and WHEELS (default wheelhouse) may be set; NO_WHEELS=1 skips the
# install (a machine that has the packages already, e.g. this project's .venv for a dry run).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
WHEELS=${WHEELS:-wheelhouse}
SITE=$(mktemp -d /tmp/encke-gpu-site.XXXXXX)
if [ "${NO_WHEELS:-0}" != 1 ]; then
    ls "$WHEELS"/*.whl >/dev/null || { echo "no wheels in $WHEELS: run 'make gpu-wheels' first" >&2; exit 2; }
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$SITE" "$WHEELS"/*.whl
fi
mkdir -p "$SITE/encke"
cp encke/*.py "$SITE/encke/"
ln -s "$PWD/engine" "$SITE/encke/engine"
ln -s "$PWD/server" "$SITE/encke/server"
ln -s "$PWD/clients/python" "$SITE/encke/client"
ln -s "$PWD/benchmarks" "$SITE/benchmarks"
# run from $SITE: from the checkout, its own encke/ folder (without engine/) would come first
export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
cd "$SITE"
exec "$PY" -m benchmarks.gpu "$@"
