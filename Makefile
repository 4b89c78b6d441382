# The two commands: `make demo` (set up + run) and `make test` (set up + test).
# Both install exactly the versions in uv.lock (with hashes); `make lock` updates it and
# `make test-latest` runs the suite against the newest releases that pyproject.toml allows.
PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
UV_TOOL := .uv-tool
UV := $(UV_TOOL)/bin/uv
# uv runs the Python already on the machine; it never downloads one.
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)

.PHONY: demo test test-fast test-latest lock bench bench-parallel hostile accuracy robustness lint wheel samples clean

$(UV):
	$(PYTHON) -m venv $(UV_TOOL)
	$(UV_TOOL)/bin/pip install --quiet uv==$(UV_VERSION)

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --extra dev
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/posecoach

# Under xvfb-run when it is installed, so the real-window tests run too.
test: $(STAMP)
	@if command -v xvfb-run >/dev/null 2>&1; then xvfb-run -a $(BIN)/pytest; else $(BIN)/pytest; fi

# The tests that need no pose model.
test-fast: $(STAMP)
	$(BIN)/pytest -m "not e2e"

# The newest releases within pyproject.toml's ranges, in a separate venv: a breaking upstream
# release shows here, on purpose, and never in `make test`.
test-latest: | $(UV)
	$(UV) venv --allow-existing .venv-latest
	VIRTUAL_ENV=.venv-latest $(UV) pip install --upgrade -e '.[dev]'
	@if command -v xvfb-run >/dev/null 2>&1; then xvfb-run -a .venv-latest/bin/pytest; else .venv-latest/bin/pytest; fi

# Re-resolve uv.lock to the newest versions allowed, then run `make test` before committing it.
lock: | $(UV)
	$(UV) lock --upgrade

wheel: | $(UV)
	$(UV) build --out-dir dist

bench: $(STAMP)
	$(BIN)/posecoach bench

# posecoach on every core against a bare sequential PoseLandmarker loop, in one run (about 30
# minutes on a busy 2-core machine: it tracks a 10-minute video both ways). ARGS="--long-minutes 2 --eval-samples 4"
# for a short run.
bench-parallel: $(STAMP)
	$(BIN)/python benchmarks/bench_parallel.py $(ARGS)

# Issue 17's reproductions by kind through the command line (tracks only, about 2 minutes; not in CI).
hostile: $(STAMP)
	$(BIN)/python benchmarks/hostile.py -v $(ARGS)

# Regenerates docs/ACCURACY.md from the samples and, when present, ../shared's real clips.
accuracy: $(STAMP)
	$(BIN)/python benchmarks/accuracy.py

# Issue 14's robustness suite: varied renders of every exercise into ROBUST_OUT (outside git;
# rendering needs the synth venv of `make samples`), each tracked once into samples/robustness/,
# and docs/ROBUSTNESS.md. Clips already rendered or tracked are kept. ARGS="--report-only" for the report.
ROBUST_OUT ?= out/robust
SYNTH_PYTHON ?= .venv-synth/bin/python
robustness: $(STAMP)
	$(BIN)/python benchmarks/robustness.py --out $(ROBUST_OUT) --synth-python $(SYNTH_PYTHON) $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check posecoach tests benchmarks

# Re-render samples/ (needs the heavy `synth` extra: torch, anny, moderngl).
samples:
	$(PYTHON) -m venv .venv-synth
	.venv-synth/bin/pip install --quiet -e '.[synth]'
	.venv-synth/bin/python -m posecoach.synth.cli --all

clean:
	rm -rf $(VENV) .venv-latest $(UV_TOOL) dist out .pytest_cache
