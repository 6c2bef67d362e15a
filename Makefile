# Every setting below can be overridden from the environment or the command line,
# e.g. `RASA_PORT=5006 make run` or `make run TRACKER_STORE_URL=postgresql://...`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
MODELS_DIR ?= models
RESULTS_DIR ?= var/results
export VENV
export RASA_PORT ?= 5005
export ACTION_PORT ?= 5055
export ACTION_ENDPOINT_URL ?= http://localhost:$(ACTION_PORT)/webhook
export TRACKER_STORE_URL ?= sqlite:///var/tracker.db
# Conversation locks: in memory for one Rasa server; redis when several share the load.
export LOCK_STORE_TYPE ?= in_memory
export REDIS_HOST ?= localhost
export REDIS_PORT ?= 6379
export REDIS_DB ?= 1
# Quiet, offline-friendly runs: no telemetry, fewer TensorFlow and SQLAlchemy notices.
export RASA_TELEMETRY_ENABLED ?= false
export TF_CPP_MIN_LOG_LEVEL ?= 2
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1

export RESULTS_DIR
export WEB_PORT ?= 8080

RASA := $(VENV)/bin/rasa
PYTHON_VENV := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

# The model file is named after a hash of everything it is trained from, so
# `make train` retrains only when the data, the config or our trained components' code changed
# (--force then, as Rasa's own cache does not notice code). data/sources.yml, data/scope.yml and
# data/red_flags.yml are read by the servers at start-up and need no training.
MODEL_INPUTS := config.yml domain.yml $(sort $(shell find data/nlu data/rules data/stories -type f -name '*.yml')) \
  $(sort $(wildcard nlu_components/*.py)) retrieval/questions.py retrieval/index.py triage/language.py
MODEL_NAME := assistant-$(shell sha256sum $(MODEL_INPUTS) | sha256sum | cut -c1-12)
export MODEL := $(MODELS_DIR)/$(MODEL_NAME).tar.gz

# The chat widget: deep-chat and our code, from the npm lockfile, built into one script.
WIDGET := widget/dist/assistant-widget.js
WIDGET_MODULES := widget/node_modules/.package-lock.json

.PHONY: audit help install widget browser scale-services test-scale train run shell validate test test-widget test-python test-conversations evaluate bench check-content purge constraints clean

help:
	@echo "make run       install, train if needed, start the assistant and its web page on :8080 (Ctrl-C stops it)"
	@echo "make test      validate data, train, run pytest and the conversation tests"
	@echo "make evaluate  accuracy on held-out patient questions (tests/nlu_holdout.yml)"
	@echo "make test-scale  two Rasa servers on one PostgreSQL store and one Redis lock store"
	@echo "make shell     chat with the assistant in the terminal"
	@echo "make bench     speed and memory of the real servers, next to a rasa init baseline"
	@echo "make audit     known vulnerabilities in the pinned packages (pip-audit, own virtualenv)"
	@echo "make check-content   check edited answers before they go live"
	@echo "make purge DAYS=N    delete conversations older than N days"

$(INSTALLED): requirements.txt constraints.txt
	@python310=$$(scripts/find_python310.sh) || exit 1; \
	  if [ ! -x "$(PYTHON_VENV)" ]; then echo "Creating $(VENV) with $$python310"; "$$python310" -m venv "$(VENV)"; fi
	$(VENV)/bin/pip install --quiet --upgrade "pip<25" wheel
	$(VENV)/bin/pip install --quiet -r requirements.txt -c constraints.txt
	$(VENV)/bin/pip check
	@touch $@

install: $(INSTALLED)

$(WIDGET_MODULES): widget/package.json widget/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 18 or newer with npm (Debian: apt-get install nodejs npm)."; exit 1; }
	cd widget && npm ci --no-audit --no-fund
	@touch $@

$(WIDGET): $(WIDGET_MODULES) $(wildcard widget/src/*)
	cd widget && npm run build

widget: $(WIDGET)

# Debian's Chromium for the browser tests (installed with apt-get when missing and allowed).
browser:
	@scripts/ensure_chromium.sh

# PostgreSQL and Redis packages for the scale-out test (it runs private instances of both).
scale-services:
	@scripts/ensure_scale_services.sh

$(MODEL): $(INSTALLED)
	@mkdir -p $(MODELS_DIR)
	$(RASA) train --force --fixed-model-name $(MODEL_NAME) --out $(MODELS_DIR)
	@find $(MODELS_DIR) -name 'assistant-*.tar.gz' ! -name '$(MODEL_NAME).tar.gz' -delete

train: $(MODEL)

run: $(MODEL) $(WIDGET)
	scripts/run_servers.sh $(MODEL)

shell: $(MODEL)
	@mkdir -p var
	$(RASA) shell --model $(MODEL) --endpoints endpoints.yml

validate: $(INSTALLED)
	scripts/validate_data.sh

test: validate $(MODEL) test-widget test-conversations test-python

# The widget's pure logic (widget/src/rasa-replies.js), with Node's own test runner.
test-widget: $(WIDGET_MODULES)
	cd widget && npm test --silent

test-python: $(MODEL) $(WIDGET) browser scale-services
	$(PYTHON_VENV) -m pytest

# Two Rasa servers sharing one PostgreSQL tracker store and one Redis lock store
# (tests/test_scale.py, also part of test-python).
test-scale: $(MODEL) scale-services
	$(PYTHON_VENV) -m pytest tests/test_scale.py

# Conversation tests: every test_*.yml story under tests/ must be followed exactly.
test-conversations: $(MODEL)
	$(RASA) test core --stories tests/ --model $(MODEL) --endpoints endpoints.yml \
	  --out $(RESULTS_DIR)/conversations --fail-on-prediction-errors --no-plot

# Held-out, two-part and sealed questions; red flags; then 5-fold cross-validation of the NLU
# pipeline (about 5 trainings: allow half an hour on 2 cores; CV_FOLDS=0 skips it).
CV_FOLDS ?= 5
evaluate: $(MODEL)
	$(PYTHON_VENV) -m quality.holdout --model $(MODEL)
	$(PYTHON_VENV) -m quality.red_flag_eval --json $(RESULTS_DIR)/red_flags.json
	@if [ "$(CV_FOLDS)" != "0" ]; then \
	  $(RASA) test nlu --nlu data/nlu --config config.yml --cross-validation --folds $(CV_FOLDS) \
	    --out $(RESULTS_DIR)/cross_validation --no-plot && \
	  $(PYTHON_VENV) -m quality.cross_validation $(RESULTS_DIR)/cross_validation; fi

# Speed targets are measured here, not asserted in timed tests.
bench: $(INSTALLED)
	$(PYTHON_VENV) -m benchmarks.serving

# Re-resolve every pin after editing requirements.txt.
constraints: $(INSTALLED)
	{ head -2 constraints.txt; $(VENV)/bin/pip freeze --exclude-editable; } > constraints.new && mv constraints.new constraints.txt

# Known vulnerabilities in every pinned package, from PyPI's advisory data. pip-audit needs newer
# packages than Rasa allows, so it lives in its own virtual environment; --strict fails when a
# package could not be checked (for example without access to pypi.org).
AUDIT_VENV ?= .audit-venv
audit:
	@test -x $(AUDIT_VENV)/bin/pip-audit || { python310=$$(scripts/find_python310.sh) || exit 1; \
	  "$$python310" -m venv $(AUDIT_VENV) && $(AUDIT_VENV)/bin/pip install -q pip-audit; }
	$(AUDIT_VENV)/bin/pip-audit --strict --no-deps --disable-pip --progress-spinner off -r constraints.txt

# A nurse's edit of data/nlu/ or domain.yml, checked before it goes live.
check-content: $(INSTALLED)
	$(PYTHON_VENV) -m quality.check_content

# Retention: delete conversations whose last message is older than DAYS days.
purge: $(INSTALLED)
	@[ -n "$(DAYS)" ] || { echo "Say how many days to keep: make purge DAYS=90"; exit 1; }
	$(PYTHON_VENV) -m review.purge --days $(DAYS)

clean:
	rm -rf $(MODELS_DIR) $(RESULTS_DIR) .rasa widget/dist
