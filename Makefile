# Two commands matter: `make run` and `make test`. Both create .venv when it is
# missing and install the locked dependencies first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint pytest bench lock clean

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ccpl-bot needs Python 3.11 or newer (set PYTHON=python3.11)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing dependencies into $(VENV) (first run only)..." >&2
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock >&2
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e . >&2
	@touch $(STAMP)

run: $(STAMP)
	@$(BIN)/ccpl-bot run

# The whole suite: formatting, lint, layering, types, then tests on SQLite and,
# when a PostgreSQL server is installed, on a throwaway PostgreSQL cluster.
test: $(STAMP) lint
	@url=$$(scripts/test-postgres) || exit 1; \
	status=0; \
	CCPL_TEST_POSTGRES_URL="$$url" $(BIN)/python -m pytest $(PYTEST_ARGS) || status=$$?; \
	[ -z "$$url" ] || scripts/test-postgres stop; \
	exit $$status

lint: $(STAMP)
	@$(BIN)/ruff format --check --quiet . || (echo "run: .venv/bin/ruff format ." >&2; exit 1)
	@$(BIN)/ruff check --quiet .
	@$(BIN)/lint-imports --no-cache >/dev/null || $(BIN)/lint-imports --no-cache
	@$(BIN)/mypy --no-error-summary

bench: $(STAMP)
	@$(BIN)/python -m bench.tip_throughput

# Re-pin after changing dependencies in pyproject.toml.
lock: $(STAMP)
	@$(BIN)/python -m pip install --quiet pip-tools
	@$(BIN)/pip-compile --quiet --extra dev --generate-hashes --strip-extras \
		--no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
		-o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
