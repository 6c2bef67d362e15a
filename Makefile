# Paths below, and every server setting in settings.env, can be overridden from the environment
# or the command line, e.g. `RASA_PORT=5006 make run` or `make run TRACKER_STORE_URL=postgresql://...`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
# The web server's own environment (webapp/requirements.txt), on current releases.
WEB_VENV ?= .venv-web
MODELS_DIR ?= models
RESULTS_DIR ?= var/results
export VENV WEB_VENV RESULTS_DIR MODELS_DIR

# Server settings: their defaults live in settings.env, read here as `NAME ?= value`.
SETTINGS := $(shell grep -E '^[A-Z_]+=' settings.env)
SETTING_NAMES := $(foreach setting,$(SETTINGS),$(firstword $(subst =, ,$(setting))))
$(foreach setting,$(SETTINGS),$(eval $(firstword $(subst =, ,$(setting))) ?= $(patsubst $(firstword $(subst =, ,$(setting)))=%,%,$(setting))))
export $(SETTING_NAMES)

RASA := $(VENV)/bin/rasa
PYTHON_VENV := $(VENV)/bin/python
# Rasa with this project's fixes installed (rasa_addons/remote_action): for every command that serves.
RASA_SERVING := $(PYTHON_VENV) -m rasa_addons
INSTALLED := $(VENV)/.installed
WEB_PYTHON := $(WEB_VENV)/bin/python
WEB_INSTALLED := $(WEB_VENV)/.installed

# The model file is named after a hash of everything it is trained from (core/model_files.py), so
# `make train` retrains only when the data, the config or our trained components' code changed
# (--force then, as Rasa's own cache does not notice code). data/sources.yml and
# data/red_flags.yml are read by the servers at start-up and need no training.
MODEL_NAME := $(shell python3 -m core.model_files)
export MODEL := $(MODELS_DIR)/$(MODEL_NAME).tar.gz

# The chat widget: deep-chat and our code, from the npm lockfile, built into one script.
WIDGET := widget/dist/assistant-widget.js
WIDGET_MODULES := widget/node_modules/.package-lock.json

.PHONY: audit help install widget browser scale-services test-scale train run shell validate test test-unit test-widget test-python test-conversations evaluate bench bench-dashboard check-content purge staff-account constraints clean lint format fingerprints

help: ## this list (from the comments after `##` in the Makefile)
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-z][a-z-]*:.*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(INSTALLED): requirements.txt constraints.txt
	@python310=$$(tools/find_python310.sh) || exit 1; \
	  if [ ! -x "$(PYTHON_VENV)" ]; then echo "Creating $(VENV) with $$python310"; "$$python310" -m venv "$(VENV)"; fi
	$(VENV)/bin/pip install --quiet --upgrade pip wheel -c constraints.txt
	$(VENV)/bin/pip install --quiet -r requirements.txt -c constraints.txt
	$(VENV)/bin/pip check
	@touch $@

$(WEB_INSTALLED): webapp/requirements.txt webapp/constraints.txt
	@python310=$$(tools/find_python310.sh) || exit 1; \
	  if [ ! -x "$(WEB_PYTHON)" ]; then echo "Creating $(WEB_VENV) with $$python310"; "$$python310" -m venv "$(WEB_VENV)"; fi
	$(WEB_VENV)/bin/pip install --quiet --upgrade pip -c webapp/constraints.txt
	$(WEB_VENV)/bin/pip install --quiet -r webapp/requirements.txt -c webapp/constraints.txt
	$(WEB_VENV)/bin/pip check
	@touch $@

install: $(INSTALLED) $(WEB_INSTALLED) ## both virtual environments: Rasa's (.venv) and the web server's (.venv-web)

$(WIDGET_MODULES): widget/package.json widget/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 18 or newer with npm (Debian: apt-get install nodejs npm)."; exit 1; }
	cd widget && npm ci --no-audit --no-fund
	@touch $@

$(WIDGET): $(WIDGET_MODULES) $(wildcard widget/src/*)
	cd widget && npm run build

widget: $(WIDGET) ## build the chat widget (widget/dist/assistant-widget.js)

# Debian's Chromium for the browser tests (installed with apt-get when missing and allowed).
browser: ## Debian's Chromium for the browser tests
	@tools/ensure_chromium.sh

# PostgreSQL and Redis packages for the scale-out test (it runs private instances of both).
scale-services: ## PostgreSQL and Redis packages for the scale-out test
	@tools/ensure_scale_services.sh

$(MODEL): $(INSTALLED)
	@mkdir -p $(MODELS_DIR)
	$(RASA) train --force --fixed-model-name $(MODEL_NAME) --out $(MODELS_DIR)
	@find $(MODELS_DIR) -name 'assistant-*.tar.gz' ! -name '$(MODEL_NAME).tar.gz' -delete

train: $(MODEL) ## train the model, only when its inputs changed

run: $(MODEL) $(WIDGET) $(WEB_INSTALLED) ## install, train if needed, start the three servers; the page is on :8080 (Ctrl-C stops them)
	tools/run_servers.sh $(MODEL)

shell: $(MODEL) ## chat with the assistant in the terminal
	@mkdir -p var
	$(RASA_SERVING) shell --model $(MODEL) --endpoints endpoints.yml

validate: $(INSTALLED) ## check the training data and domain (rasa data validate, and ours)
	tools/validate_data.sh

test: validate $(MODEL) test-widget test-conversations test-python ## the whole suite: data, widget, conversation stories, pytest with the real servers

# Test modules run on parallel workers (pytest-xdist), each module whole on one worker, as its
# tests share their servers; the slow modules start first (tests/conftest.py). Two workers on two
# cores: pytest took 17 minutes instead of 35 on a fresh clone. TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2
PYTEST_PARALLEL := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder)

test-unit: $(INSTALLED) $(WEB_INSTALLED) ## the fast tests: pure core, actions, components; no servers (under a minute)
	$(PYTHON_VENV) -m pytest tests/unit -q $(PYTEST_PARALLEL)

# The widget's pure logic (widget/src/rasa-replies.js and patient-tools.js), with Node's test runner.
test-widget: $(WIDGET_MODULES) ## the widget's reply logic, with Node's test runner
	cd widget && npm test --silent

test-python: $(MODEL) $(WIDGET) $(WEB_INSTALLED) browser scale-services ## pytest, with the real servers, database and browser
	$(PYTHON_VENV) -m pytest $(PYTEST_PARALLEL)

# Two Rasa servers sharing one PostgreSQL tracker store and one Redis lock store
# (tests/test_scale.py, also part of test-python).
test-scale: $(MODEL) $(WEB_INSTALLED) scale-services ## two Rasa servers on one PostgreSQL store and one Redis lock store
	$(PYTHON_VENV) -m pytest tests/test_scale.py

# Conversation tests: every test_*.yml story under tests/ must be followed exactly.
test-conversations: $(MODEL) ## the conversation stories in tests/conversations
	$(RASA_SERVING) test core --stories tests/ --model $(MODEL) --endpoints endpoints.yml \
	  --out $(RESULTS_DIR)/conversations --fail-on-prediction-errors --no-plot

# Held-out, two-part and sealed questions; red flags; then 5-fold cross-validation of the NLU
# pipeline (about 5 trainings: allow half an hour on 2 cores; CV_FOLDS=0 skips it).
CV_FOLDS ?= 5
evaluate: $(MODEL) ## held-out, two-part and sealed questions; red flags; cross-validation (CV_FOLDS=0 skips it)
	$(PYTHON_VENV) -m tools.holdout --model $(MODEL)
	$(PYTHON_VENV) -m tools.red_flag_eval --json $(RESULTS_DIR)/red_flags.json
	@if [ "$(CV_FOLDS)" != "0" ]; then \
	  $(RASA) test nlu --nlu data/nlu --config config.yml --cross-validation --folds $(CV_FOLDS) \
	    --out $(RESULTS_DIR)/cross_validation --no-plot && \
	  $(PYTHON_VENV) -m tools.cross_validation $(RESULTS_DIR)/cross_validation; fi

# Speed targets are measured here, not asserted in timed tests.
bench: $(INSTALLED) $(WEB_INSTALLED) ## speed and memory of the real servers, next to a rasa init baseline
	$(PYTHON_VENV) -m bench.serving

# Part of make bench; alone, it updates only its entry in bench/results.json (about 2 minutes).
bench-dashboard: $(INSTALLED) $(WEB_INSTALLED) ## the nurses' dashboard over a month of a busy clinic (SQLite)
	$(PYTHON_VENV) -m bench.dashboard

# Re-resolve every pin after editing requirements.txt.
constraints: $(INSTALLED) $(WEB_INSTALLED) ## re-resolve every pin after editing a requirements file
	{ head -2 constraints.txt; $(VENV)/bin/pip freeze --all --exclude-editable | grep -v '^setuptools=='; } \
	  > constraints.new && mv constraints.new constraints.txt
	{ head -2 webapp/constraints.txt; $(WEB_VENV)/bin/pip freeze --all --exclude-editable | grep -v '^setuptools=='; } \
	  > webapp/constraints.new && mv webapp/constraints.new webapp/constraints.txt

# Known vulnerabilities in every environment the project installs: Rasa's (constraints.txt), the
# web server's (webapp/constraints.txt), the lint tools', and the widget's npm lockfile. pip-audit
# needs newer packages than Rasa allows, so it has its own virtual environment. It asks PyPI's
# advisory service (pypi.org) and npm's registry: run it where the clinic's network reaches them.
# --strict fails when a package could not be checked, so an offline run never passes silently.
AUDIT_VENV ?= .audit-venv
audit: $(WIDGET_MODULES) ## known vulnerabilities in every environment's pins and the widget's lockfile
	@test -x $(AUDIT_VENV)/bin/pip-audit || { python310=$$(tools/find_python310.sh) || exit 1; \
	  "$$python310" -m venv $(AUDIT_VENV) && $(AUDIT_VENV)/bin/pip install -q pip-audit; }
	@status=0; \
	for pins in constraints.txt webapp/constraints.txt tools/lint-requirements.txt; do \
	  echo "== $$pins"; \
	  $(AUDIT_VENV)/bin/pip-audit --strict --no-deps --disable-pip --progress-spinner off -r $$pins || status=1; \
	done; \
	echo "== widget/package-lock.json"; (cd widget && npm audit) || status=1; \
	exit $$status

# ruff and mypy in their own environment (tools/lint-requirements.txt): they need nothing of Rasa's.
# mypy reads the project's code against the Rasa environment's packages (--python-executable).
LINT_VENV ?= .venv-lint
LINT_INSTALLED := $(LINT_VENV)/.installed
PACKAGES := core rasa_addons actions webapp tools bench
$(LINT_INSTALLED): tools/lint-requirements.txt
	@python310=$$(tools/find_python310.sh) || exit 1; \
	  if [ ! -x "$(LINT_VENV)/bin/python" ]; then "$$python310" -m venv "$(LINT_VENV)"; fi
	$(LINT_VENV)/bin/pip install --quiet -r tools/lint-requirements.txt
	@touch $@

lint: $(LINT_INSTALLED) $(INSTALLED) ## ruff (format and lint) and mypy on the project's own packages
	$(LINT_VENV)/bin/ruff format --check .
	$(LINT_VENV)/bin/ruff check .
	$(LINT_VENV)/bin/mypy --python-executable $(PYTHON_VENV) $(PACKAGES)

format: $(LINT_INSTALLED) ## rewrite the code in ruff's format, and fix what ruff can
	$(LINT_VENV)/bin/ruff check --fix-only --quiet .
	$(LINT_VENV)/bin/ruff format .

# The copy check keeps only fingerprints of the source documents (tools/copy_check.py).
SEEDS_DIR ?= ../shared/seeds
fingerprints: $(INSTALLED) ## rebuild data/seed_fingerprints.json from a local copy of the documents (SEEDS_DIR)
	$(PYTHON_VENV) -m tools.copy_check build $(SEEDS_DIR)

# A nurse's edit of data/nlu/ or domain.yml, checked before it goes live.
check-content: $(INSTALLED) ## check edited answers before they go live
	$(PYTHON_VENV) -m tools.check_content

# Retention: delete conversations whose last message is older than DAYS days.
purge: $(WEB_INSTALLED) ## delete conversations and call-back requests older than RETENTION_DAYS (90), or DAYS=N
	$(WEB_PYTHON) -m webapp.purge $(if $(DAYS),--days $(DAYS))

# Nurses' and clinicians' accounts in the review database (REVIEW_DB_URL): the password is asked
# for twice, unseen (or read from STAFF_PASSWORD, or standard input, for scripts).
staff-account: $(WEB_INSTALLED) ## add an account: make staff-account NAME="Ann Lee" ROLE=clinician (no NAME: list; DISABLE=1; NEW_PASSWORD=1)
	@if [ -z "$(NAME)" ]; then $(WEB_PYTHON) -m webapp.accounts list; \
	elif [ -n "$(DISABLE)" ]; then $(WEB_PYTHON) -m webapp.accounts disable --name "$(NAME)"; \
	elif [ -n "$(NEW_PASSWORD)" ]; then $(WEB_PYTHON) -m webapp.accounts password --name "$(NAME)"; \
	else [ -n "$(ROLE)" ] || { echo 'Say the role: make staff-account NAME="Ann Lee" ROLE=clinician (or ROLE=nurse)'; exit 1; }; \
	  $(WEB_PYTHON) -m webapp.accounts add --name "$(NAME)" --role "$(ROLE)"; fi

clean: ## delete models, results and the built widget
	rm -rf $(MODELS_DIR) $(RESULTS_DIR) .rasa widget/dist
