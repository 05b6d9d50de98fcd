# The two commands: `make study` (set up, run the quick profile, figures, report) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PROFILE ?= quick
JOBS ?= 2
OUT ?=
# Where results/, figures/ and report/ go: by default the repository for PROFILE=full (the committed reference)
# and out/PROFILE/ (git-ignored) for the others; OUT=folder puts them there.
OUT_OPTION = $(if $(OUT),--out $(OUT))
export KERAS_BACKEND ?= tensorflow
export TF_CPP_MIN_LOG_LEVEL ?= 3
export MPLBACKEND ?= Agg

.PHONY: study test test-faults test-cluster bench crosscheck figures report system format clean-venv

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.backends: $(VENV)/.installed requirements-backends.txt  # JAX and PyTorch, CPU builds
	$(PY) -m pip install --quiet -r requirements-backends.txt
	touch $@

$(VENV)/.testing: $(VENV)/.installed requirements-test.txt
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

# Debian's packages: headless Chromium prints report.pdf (and the browser test drives it), poppler-utils
# reads the PDF in the tests, fonts-noto-cjk draws the original Chinese sentences, dataset-fashion-mnist holds
# Fashion-MNIST's original files (the fashion setting; elsewhere STUDY_DATA or Keras's download). Installed where
# apt-get can (as root); elsewhere the report is written without its PDF and says so.
SYSTEM_PACKAGES := chromium poppler-utils fonts-noto-cjk dataset-fashion-mnist

system:
	@missing="$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done | xargs)"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "installing $$missing (Debian)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else echo "not installed: $$missing (install them with your package manager for report.pdf)"; \
		[ "$(REQUIRE_SYSTEM)" != 1 ] || exit 1; fi

study: $(VENV)/.installed system
	$(PY) -m study run all --profile $(PROFILE) --jobs $(JOBS) $(OUT_OPTION)
	$(PY) -m study report --with-figures --profile $(PROFILE) $(OUT_OPTION)

figures: $(VENV)/.installed
	$(PY) -m study figures --profile $(PROFILE) $(OUT_OPTION)

report: $(VENV)/.installed system
	$(PY) -m study report --profile $(PROFILE) $(OUT_OPTION)

test: $(VENV)/.installed $(VENV)/.backends $(VENV)/.testing  # the suite on TensorFlow, with JAX and PyTorch smoke runs
	$(MAKE) --no-print-directory system REQUIRE_SYSTEM=1
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q

# The experiments crosschecked by default: those of C1-C3, C5-C7 and C10, whose quick runs on all three
# backends are committed (so on a fresh clone it only compares); CROSSCHECK=all for every experiment.
CROSSCHECK ?= sparsity gradients flips expressivity convergence collapse dead_units

crosscheck: $(VENV)/.backends  # the profile on every backend, side by side; prints each claim's verdicts
	$(PY) -m study crosscheck $(CROSSCHECK) --profile $(PROFILE) --jobs $(JOBS) $(OUT_OPTION)

test-faults: $(VENV)/.installed $(VENV)/.backends $(VENV)/.testing  # all 20 kill -9 trials (make test runs 2) and the slow trials
	$(PY) -m pytest -q -m "faults or slow"

# One node of Debian's SLURM on this machine, started and stopped by the tests themselves (tests/slurm_node.py).
CLUSTER_PACKAGES := slurmctld slurmd slurm-client munge

test-cluster: $(VENV)/.installed $(VENV)/.testing  # the --executor slurm tests against a one-node SLURM (as root)
	$(MAKE) --no-print-directory system SYSTEM_PACKAGES="$(CLUSTER_PACKAGES)" REQUIRE_SYSTEM=1
	STUDY_REQUIRE_SLURM=1 $(PY) -m pytest -q -m cluster tests/test_slurm.py

bench: $(VENV)/.installed
	$(PY) bench/engine_vs_plain.py

format: $(VENV)/.testing  # what `make test` checks first: ruff's lint rules and format (pyproject.toml)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean-venv:
	rm -rf $(VENV)
