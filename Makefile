# Two commands set up everything and run: `make build` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# The browser tests' npm packages (axe-core, the Nu Html Checker), pinned by the lockfile.
NPM_DIR   := tests/browser
NPM_STAMP := $(NPM_DIR)/node_modules/.installed

.PHONY: build test check bench lint clean system-build system-test

# reportgen never runs git itself (a project's .git/config could name a program to run); this
# repository is ours, so its last commit dates the report, as reproducible builds expect.
build: system-build $(STAMP)
	SOURCE_DATE_EPOCH="$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct 2>/dev/null)}" $(PY) -m reportgen build

test: system-test $(STAMP) $(NPM_STAMP)
	$(PY) -m pytest

bench: system-build $(STAMP)
	$(PY) benchmarks/bench.py

check: $(STAMP)
	$(PY) -m reportgen check

lint: $(STAMP)
	$(VENV)/bin/ruff check reportgen tests benchmarks
	$(VENV)/bin/mypy

system-build:
	@bash scripts/system-deps.sh build

system-test:
	@bash scripts/system-deps.sh test

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# --ignore-scripts: vnu-jar's install script would fetch a Java runtime; the system one is used.
$(NPM_STAMP): $(NPM_DIR)/package.json $(NPM_DIR)/package-lock.json
	npm ci --prefix $(NPM_DIR) --ignore-scripts --no-audit --no-fund
	touch $(NPM_STAMP)

clean:
	rm -rf $(VENV) out/*.pdf out/*.html out/.cache
