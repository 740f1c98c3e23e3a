# Thin task runner: each recipe creates .venv on a fresh machine and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every dependency, the dev extra's included, pinned with hashes for Python 3.11 (see the README's
# "Locked dependencies"); made by uv, installed by plain pip, so a fresh machine needs only Python and make.
LOCK := requirements.lock
UV := uv==0.13.9

.PHONY: demo test lint bench clean system-deps lock

$(STAMP): pyproject.toml $(LOCK)
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r $(LOCK)
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

# Re-resolve the lock from pyproject.toml, keeping the pins that still fit (LOCK_FLAGS=--upgrade moves
# every pin to the newest release that fits). uv comes from PyPI into the venv, at a pinned version; the
# next make demo or make test reinstalls the venv from the new lock (the stamp is older than the lock).
lock: $(STAMP)
	$(BIN)/python -m pip install -q '$(UV)'
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev --python-version 3.11 --generate-hashes \
	  --custom-compile-command 'make lock' $(LOCK_FLAGS) -o $(LOCK)

# System packages the tests need: LibreOffice (Debian's, no GUI) makes the PDF and Word files that the
# format readers are tested on; Chromium (Debian's) is the headless browser that Playwright drives in
# tests/test_pages_browser.py (Playwright never downloads a browser of its own here); Virtuoso (Debian's
# virtuoso-opensource 7) is the second SPARQL store tests/test_stores.py publishes to and queries, started
# on loopback with a temporary database (the package's own service is not used). Installs only what
# is missing, with apt-get where it can (root on Debian); `make test` runs it first. Where it cannot, it
# says so, and the tests that need these programs are skipped with that reason (they fail under CI=true).
system-deps:
	@if command -v soffice >/dev/null 2>&1; then echo "system-deps: LibreOffice present"; else \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	    libreoffice-writer-nogui fonts-liberation2) || echo "system-deps: could not install LibreOffice"; fi
	@if [ -x /usr/bin/chromium ]; then echo "system-deps: Chromium present"; else \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	    chromium fonts-liberation2) || echo "system-deps: could not install Chromium"; fi
	@if [ -x /usr/bin/virtuoso-t ]; then echo "system-deps: Virtuoso present"; else \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -q --no-install-recommends \
	    virtuoso-opensource) || echo "system-deps: could not install Virtuoso"; fi

demo: $(STAMP)
	$(BIN)/cyberlex build --out out/demo

test: $(STAMP) system-deps
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_build.py

clean:
	rm -rf $(VENV) out build *.egg-info src/*.egg-info
