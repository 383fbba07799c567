# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format install clean messages bench bench-quick bench-webhooks screenshots

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/tjar db upgrade
	$(BIN)/tjar demo
	$(BIN)/tjar serve --host 127.0.0.1 --port 8000

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) var build dist .pytest_cache .mypy_cache .ruff_cache

# Re-extract marked messages into the catalogues; then translate the new
# Arabic entries in src/tjar/i18n/locale/ar/LC_MESSAGES/messages.po.
messages: $(STAMP)
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg -k _ --no-location \
		--sort-output -o var/messages.pot .
	$(BIN)/pybabel update -i var/messages.pot -d src/tjar/i18n/locale -D messages \
		--no-fuzzy-matching --ignore-obsolete

# The benchmark suite on PostgreSQL (TJAR_BENCH_DATABASE_URL to point
# elsewhere): seeds once, compares the API with its baseline under wrk,
# measures webhook delivery, and writes docs/performance.md. BENCH_ARGS
# passes options, e.g. BENCH_ARGS=--reseed; see `python -m bench.run -h`.
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# The same on SQLite with small data, in a few minutes.
bench-quick: $(STAMP)
	$(BIN)/python -m bench.run --quick $(BENCH_ARGS)

# Webhook delivery alone, printed.
bench-webhooks: $(STAMP)
	$(BIN)/python -m bench.webhooks

# Refresh the Developers page screenshots in docs/ from the browser tests.
screenshots: $(STAMP)
	$(BIN)/pytest -q tests/dashboard/test_browser.py
	mkdir -p docs/screenshots
	cp var/screenshots/developers-*.png docs/screenshots/
