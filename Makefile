# The two commands: `make study` (set up, run the quick profile, figures, report) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PROFILE ?= quick
JOBS ?= 2
OUT ?= .
export KERAS_BACKEND ?= tensorflow
export TF_CPP_MIN_LOG_LEVEL ?= 3
export MPLBACKEND ?= Agg

.PHONY: study test test-faults bench crosscheck figures report clean-venv

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.backends: $(VENV)/.installed requirements-backends.txt  # JAX and PyTorch, CPU builds
	$(PY) -m pip install --quiet -r requirements-backends.txt
	touch $@

study: $(VENV)/.installed
	$(PY) -m study run all --profile $(PROFILE) --jobs $(JOBS) --out $(OUT)
	$(PY) -m study figures --profile $(PROFILE) --out $(OUT)
	$(PY) -m study report --profile $(PROFILE) --out $(OUT)

figures: $(VENV)/.installed
	$(PY) -m study figures --profile $(PROFILE) --out $(OUT)

report: $(VENV)/.installed
	$(PY) -m study report --profile $(PROFILE) --out $(OUT)

test: $(VENV)/.installed $(VENV)/.backends  # the suite on TensorFlow, with JAX and PyTorch smoke runs
	$(PY) -m pytest -q

# The experiments crosschecked by default: those of C1-C3, C5-C7, C9 and C10, whose quick runs on all three
# backends are committed (so on a fresh clone it only compares); CROSSCHECK=all for every experiment.
CROSSCHECK ?= sparsity gradients flips expressivity convergence collapse dead_units

crosscheck: $(VENV)/.backends  # the profile on every backend, side by side; prints each claim's verdicts
	$(PY) -m study crosscheck $(CROSSCHECK) --profile $(PROFILE) --jobs $(JOBS) --out $(OUT)

test-faults: $(VENV)/.installed  # every fault test, with all 20 kill -9 trials (make test runs 2)
	$(PY) -m pytest -q -m "faults or not faults" tests/test_faults.py

bench: $(VENV)/.installed
	$(PY) bench/engine_vs_plain.py

clean-venv:
	rm -rf $(VENV)
