# Modelmint - one entry point for setup, tests, demo, lint, gas and static analysis.
# Every target installs what it needs first (`setup` is idempotent and fast when
# nothing changed), so a fresh clone needs only Python 3.11, Node.js and make.

SHELL := /bin/bash
ROOT := $(abspath .)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
APE := $(VENV)/bin/ape
SOLC_VERSION := 0.8.30
SOLCX_DIR := $(ROOT)/.solcx
SOLC_BRIDGE := $(SOLCX_DIR)/solc-v$(SOLC_VERSION)
STAMPS := $(ROOT)/.stamps
PYTHON ?= python3.11
CHROMIUM := /usr/bin/chromium

# ape-solidity finds the compiler bridge here; ape-foundry finds anvil on PATH. (Plain `ape`
# in the activated venv finds both too: the project's ape plugin, tools/ape-modelmint.)
export SOLCX_BINARY_PATH := $(SOLCX_DIR)
export PATH := $(ROOT)/node_modules/.bin:$(VENV)/bin:$(PATH)
export HYPOTHESIS_PROFILE ?= dev
# Python caches compiled modules, and pytest its assertion-rewritten test modules, in __pycache__
# (gitignored). An environment that turns that off (PYTHONDONTWRITEBYTECODE) makes every test
# session rewrite all test modules again and every subprocess (ape run, gateways, the CLI) compile
# the project's modules from source: about 6 s of CPU on collection alone.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup chain compile test test-ci test-fork test-deep test-stateful-deep demo lint format gas slither clean

setup: $(STAMPS)/python $(STAMPS)/node $(SOLC_BRIDGE)

$(STAMPS)/python: requirements.lock pyproject.toml tools/ape-modelmint/pyproject.toml
	@mkdir -p $(STAMPS)
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e . -e tools/ape-modelmint
	@touch $@

$(STAMPS)/node: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(SOLC_BRIDGE): tools/solc-bridge/solc-bridge.js
	@mkdir -p $(SOLCX_DIR)
	@printf '#!/bin/sh\nexec node "%s/tools/solc-bridge/solc-bridge.js" "$$@"\n' "$(ROOT)" > $@
	@chmod +x $@

# Compiles what changed AND its dependants (plain `ape compile` misses those: modelmint/dev/build.py).
compile: setup
	$(PY) -m modelmint.dev.build
	$(PY) -m modelmint.abi.export

# Property and stateful suites that also run against a forked chain (`make test-ci`,
# `make test-fork`); the default suite's fork pass runs the fork's own tests only.
FORK_SUITES_ALL := tests/fork tests/stateful tests/unit/licenses/test_properties.py \
	tests/unit/revenue/test_router_properties.py tests/unit/shares/test_shares_properties.py \
	tests/unit/governance/test_counting_properties.py
FORK_SUITES ?= tests/fork

# Tests marked `ci` (pyproject.toml) are heavy and repeat what a lighter default test already
# checks: `make test` deselects them, `make test-ci` runs them.
TEST_MARKERS ?= not ci
MARK_ARGS = $(if $(strip $(TEST_MARKERS)),-m "$(TEST_MARKERS)")

# The default suite: unit, property, stateful, integration and fork tests on the local chain,
# then a pass with the whole session on ethereum:sepolia-fork:foundry (upstream: a seeded local
# anvil, or $$MODELMINT_SEPOLIA_RPC).
test: setup $(CHROMIUM) postgresql curl
	$(APE) test tests -p no:cacheprovider $(MARK_ARGS) --junitxml=reports/junit.xml $(PYTEST_ARGS)
	MODELMINT_FORK_SESSION=1 $(APE) test --network ethereum:sepolia-fork:foundry $(FORK_SUITES) \
		-p no:cacheprovider $(MARK_ARGS) --junitxml=reports/junit-fork.xml $(PYTEST_ARGS)

# The whole suite: the heavier `ci` Hypothesis profile, the tests marked `ci`, and the property
# and stateful suites again on the fork.
test-ci:
	$(MAKE) test HYPOTHESIS_PROFILE=ci TEST_MARKERS= FORK_SUITES="$(FORK_SUITES_ALL)"

test-fork: setup
	MODELMINT_FORK_SESSION=1 $(APE) test --network ethereum:sepolia-fork:foundry $(FORK_SUITES_ALL) \
		$(PYTEST_ARGS)

test-deep: setup
	HYPOTHESIS_PROFILE=deep $(APE) test tests $(PYTEST_ARGS)

# The stateful suites at 80 examples x 40 steps (rare rounding histories the default profile
# never reaches); writes reports/stateful-deep.xml.
test-stateful-deep: setup
	HYPOTHESIS_PROFILE=stateful-deep $(APE) test tests/stateful -p no:cacheprovider \
		--junitxml=reports/stateful-deep.xml $(PYTEST_ARGS)

# The persistent local chain for deploy and operator scripts (`--network ethereum:local:node`):
# anvil on 127.0.0.1:$(CHAIN_PORT), chain id 31337, state kept in .chain/ per port
# (docs/DEPLOYMENT.md). On another port, export MODELMINT_RPC=http://127.0.0.1:PORT for the
# scripts and the modelmint commands.
CHAIN_PORT ?= 8545
chain: setup
	$(PY) -m modelmint.deploy.local_node $(CHAIN_PORT)

demo: compile
	$(APE) run demo

# Solidity sources checked by solhint and formatted by prettier-plugin-solidity (.prettierrc.json).
SOL_SOURCES := 'contracts/**/*.sol' 'interfaces/**/*.sol'

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	npx --no-install solhint $(SOL_SOURCES)
	npx --no-install prettier --check $(SOL_SOURCES)

# Gas benchmark: writes reports/gas.{json,md,png} and the README table.
gas: compile
	$(APE) run gas

# Static analysis: fails on any high/medium finding not triaged in security/slither-triage.json.
slither: setup
	$(PY) tools/slither_gate.py

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	npx --no-install prettier --write --log-level warn $(SOL_SOURCES)

# Debian's chromium (CHROMIUM, above), for the dashboard's browser tests and benchmark; a
# browser build downloaded by Playwright is never used.
$(CHROMIUM):
	apt-get update && apt-get install -y chromium

# curl, which the tutorial's commands use (tests/integration/test_tutorial.py runs them).
.PHONY: curl
curl:
	@command -v curl >/dev/null 2>&1 || \
		{ apt-get update && apt-get install -y --no-install-recommends curl ca-certificates; }

# Debian's PostgreSQL server binaries, for the suites on a real database: the session fixture
# (tests/fixtures/postgres.py) starts its own cluster on a free port; no system service is used.
.PHONY: postgresql
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		{ apt-get update && apt-get install -y --no-install-recommends postgresql; }

# The web dashboard over a deployment (default: the persistent local chain of `make chain`).
.PHONY: dashboard bench-dashboard
DASHBOARD_RECORD ?= deployments/local-node.json
DASHBOARD_RPC ?= http://127.0.0.1:$(CHAIN_PORT)
DASHBOARD_PORT ?= 8700
# anvil mines a block per transaction only: wait for no further blocks there (2 elsewhere).
DASHBOARD_CONFIRMATIONS ?= 0
dashboard: setup
	$(PY) -m modelmint.dashboard --record $(DASHBOARD_RECORD) --rpc $(DASHBOARD_RPC) \
		--port $(DASHBOARD_PORT) --confirmations $(DASHBOARD_CONFIRMATIONS)

# The README's dashboard screenshots (docs/img/), from the browser test's pages.
.PHONY: screenshots
screenshots: compile $(CHROMIUM)
	MODELMINT_SCREENSHOTS=$(ROOT)/docs/img $(APE) test tests/dashboard/test_browser.py -p no:cacheprovider

# The dashboard with 1,000 models: index time, API latency, page load -> reports/dashboard.json.
bench-dashboard: compile $(CHROMIUM)
	$(APE) run bench_dashboard

clean:
	rm -rf .build contracts/.cache reports/junit.xml .pytest_cache

# Gateway benchmark (payment on vs off, digits and a ~1 ms MLP, 1/8/10/100 channels, server
# CPU per call, per-stage profile, settlement gas): writes
# reports/gateway.json and reports/gateway.png. A measurement, not a test.
.PHONY: bench-gateway
bench-gateway: compile
	$(APE) run bench_gateway
	$(APE) run bench_replicas
