# The two commands: `make demo` (set up + run) and `make test` (set up + test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test bench lint samples clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/posecoach

# Under xvfb-run when it is installed, so the real-window test runs too (it skips otherwise).
test: $(STAMP)
	@if command -v xvfb-run >/dev/null 2>&1; then xvfb-run -a $(BIN)/pytest; else $(BIN)/pytest; fi

bench: $(STAMP)
	$(BIN)/posecoach bench

lint: $(STAMP)
	$(BIN)/ruff check posecoach tests

# Re-render samples/ (needs the heavy `synth` extra: torch, anny, moderngl).
samples:
	$(PYTHON) -m venv .venv-synth
	.venv-synth/bin/pip install --quiet -e '.[synth]'
	.venv-synth/bin/python -m posecoach.synth.cli --all

clean:
	rm -rf $(VENV) out .pytest_cache
