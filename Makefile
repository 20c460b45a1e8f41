# Set-up is part of every target: each creates .venv when missing and installs encke with every
# extra the tests use, at the exact versions of constraints.txt (pyproject.toml holds the ranges),
# so a fresh machine needs nothing but Python 3.11, Node.js and (as root) apt.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed-stamp
WEB := clients/web
STATIC := server/static/index.html
PYTEST_ARGS ?=

.PHONY: run test bench gpu-wheels venv system-deps web web-test clean

$(INSTALLED): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==25.3
	$(PY) -m pip install --quiet -c constraints.txt -e '.[server,cluster,test,peers]'
	touch $@

venv: $(INSTALLED)

# Debian packages the tests drive for real: headless Chromium (viewer) and redis-server (cache).
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v redis-server >/dev/null || ! test -x /usr/sbin/nginx; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium redis-server nginx; \
	fi

web:
	@if [ -f $(WEB)/package.json ]; then \
		cd $(WEB) && npm ci --no-audit --no-fund && npm run build; \
	fi

web-test: web
	cd $(WEB) && npm test

test: venv system-deps web-test
	$(PY) -m pytest $(PYTEST_ARGS)

run: venv web
	$(VENV)/bin/encke serve

bench: venv
	$(PY) -m benchmarks

# Wheels for the GPU run (scripts/gpu_bench.sh): the packages encke needs beyond the GPU
# machine's own JAX, numpy, PyYAML, packaging and requests, for its Python 3.12, at the pins of
# constraints.txt; DE421 comes inside skyfield-data. About 32 MB, under the 60 MB that travel.
GPU_WHEELS := platformdirs spiceypy astropy pyerfa astropy-iers-data skyfield-data
gpu-wheels: venv
	rm -rf wheelhouse && mkdir wheelhouse
	$(PY) -m pip download --quiet --no-deps --only-binary :all: --python-version 3.12 --implementation cp \
		--platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
		-d wheelhouse $$(for p in $(GPU_WHEELS); do grep -i "^$$p==" constraints.txt; done)
	du -sh wheelhouse

clean:
	rm -rf $(VENV) build dist *.egg-info $(WEB)/node_modules server/static
