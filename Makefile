# Two set-up commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint bench install clean browser kusto azcli postgres

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/aiposture scan --demo

# Headless Chromium for the HTML report tests (Debian package; installed when missing).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# PostgreSQL server binaries for the history store tests (Debian package; installed when missing).
# Only the binaries: no default cluster is created and no service started; tests/history runs a
# throwaway cluster in a temporary directory on a free loopback port and stops it after.
postgres:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO mkdir -p /etc/postgresql-common; \
	  [ -e /etc/postgresql-common/createcluster.conf ] || \
	    echo 'create_main_cluster = false' | $$SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    -o Dpkg::Options::=--force-confold --no-install-recommends postgresql >/dev/null; }

# Microsoft's Kusto language service (npm, run with node) for the KQL checks in tests/detect.
# Installed from the committed lock file into tests/kusto/node_modules (ignored by git).
KUSTO_DIR := tests/kusto
KUSTO_STAMP := $(KUSTO_DIR)/node_modules/.installed
$(KUSTO_STAMP): $(KUSTO_DIR)/package.json $(KUSTO_DIR)/package-lock.json
	@command -v node >/dev/null 2>&1 || { echo "node not found: the KQL checks will be skipped"; exit 0; }; \
	  cd $(KUSTO_DIR) && npm ci --no-audit --no-fund --silent && touch node_modules/.installed

kusto: $(KUSTO_STAMP)

# The real Azure CLI (azure-cli from PyPI) and its resource-graph extension (its wheel from PyPI)
# in a virtualenv of their own, for the export-script tests in tests/export (their pins differ
# from ours). Tests skip with the reason when it is missing.
AZCLI_VENV := tests/export/.azcli-venv
AZCLI_STAMP := $(AZCLI_VENV)/.installed
$(AZCLI_STAMP):
	@test -x $(AZCLI_VENV)/bin/python || $(PYTHON) -m venv $(AZCLI_VENV)
	@$(AZCLI_VENV)/bin/python -m pip install -q azure-cli && \
	  $(AZCLI_VENV)/bin/python -m pip download -q --no-deps -d $(AZCLI_VENV)/wheels resource-graph==2.0.0 && \
	  AZURE_CONFIG_DIR=$(AZCLI_VENV)/config AZURE_EXTENSION_DIR=$(AZCLI_VENV)/extensions \
	    $(AZCLI_VENV)/bin/az extension add --yes \
	    --source $(AZCLI_VENV)/wheels/resource_graph-2.0.0-py2.py3-none-any.whl >/dev/null && \
	  touch $@ || echo "azure-cli could not be installed: the export-script tests will be skipped"

azcli: $(AZCLI_STAMP)

lint: $(STAMP)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP) browser kusto azcli postgres lint
	$(BIN)/pytest -q -n 2

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info
