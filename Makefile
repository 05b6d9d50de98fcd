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

.PHONY: study test test-faults bench figures report clean-venv

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

study: $(VENV)/.installed
	$(PY) -m study run all --profile $(PROFILE) --jobs $(JOBS) --out $(OUT)
	$(PY) -m study figures --profile $(PROFILE) --out $(OUT)
	$(PY) -m study report --profile $(PROFILE) --out $(OUT)

figures: $(VENV)/.installed
	$(PY) -m study figures --profile $(PROFILE) --out $(OUT)

report: $(VENV)/.installed
	$(PY) -m study report --profile $(PROFILE) --out $(OUT)

test: $(VENV)/.installed
	$(PY) -m pytest -q

test-faults: $(VENV)/.installed  # every fault test, with all 20 kill -9 trials (make test runs 2)
	$(PY) -m pytest -q -m "faults or not faults" tests/test_faults.py

bench: $(VENV)/.installed
	$(PY) bench/engine_vs_plain.py

clean-venv:
	rm -rf $(VENV)
