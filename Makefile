# Two commands set up everything and run: `make build` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: build test check bench lint clean system-build system-test

build: system-build $(STAMP)
	$(PY) -m reportgen build

test: system-test $(STAMP)
	$(PY) -m pytest

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

clean:
	rm -rf $(VENV) out/*.pdf out/*.html out/.cache
