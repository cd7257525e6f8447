# Two commands on a fresh machine: `make run` and `make test` (see README).
# Both create .venv, install the pinned requirements, migrate and load the default dataset.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.requirements-installed
DEV    := $(VENV)/.dev-requirements-installed
FLASK  := $(BIN)/flask --app app

.PHONY: venv dev init run test test-fast lint browser office redis bench soak clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q --upgrade pip
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

# Test and lint tools (requirements-dev.txt) only where tests run: `make run` installs the runtime alone.
$(DEV): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

venv: $(STAMP)

dev: $(DEV)

init: venv
	$(FLASK) kpi init

run: init
	$(BIN)/python app.py

test: init dev browser office redis
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Browser tests use Debian's chromium; install it when missing and we may (root + apt).
# Without it the browser tests are skipped (unless KPI_REQUIRE_BROWSER=1).
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null \
		|| echo "chromium could not be installed; browser tests will be skipped"; \
	fi

# Benchmarks (issue 6): throw-away PostgreSQL databases at 127.0.0.1:5432; a few minutes on 2 cores.
# BENCH_ARGS="--units 200 --skip ce" for a quick look.
bench: dev
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Load and soak test on loopback against gunicorn on PostgreSQL; exits 1 on any 5xx or lost write.
soak: dev
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

# ruff (lint and format) and the import contracts of pyproject.toml; CI runs it before the tests.
lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Skip the PostgreSQL and browser layers while iterating, on every core (pytest-xdist: each
# test still gets its own database copy and temporary folder).
test-fast: dev
	$(BIN)/python -m pytest -m "not postgres and not e2e" -n auto $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

# The print test renders a workbook to PDF with LibreOffice; install it when missing and we may.
# Without it that test is skipped (unless KPI_REQUIRE_LIBREOFFICE=1). Carlito has Calibri's
# metrics, so LibreOffice sizes the columns as Excel does (kpi/reports/pages.py).
office:
	@if { ! command -v soffice >/dev/null 2>&1 || ! fc-list | grep -q Carlito; } && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing LibreOffice Calc for the print test..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc fonts-wqy-microhei fonts-crosextra-carlito >/dev/null \
		|| echo "LibreOffice could not be installed; the print test will be skipped"; \
	fi

# The shared login-limit test runs two gunicorn workers against a real redis-server; install it
# when missing and we may. Without it that test is skipped.
redis:
	@if ! command -v redis-server >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing redis-server for the shared login-limit test..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null \
		|| echo "redis-server could not be installed; the shared login-limit test will be skipped"; \
	fi
