# The two set-up commands of README.md: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install run test bench clean chromium

$(BIN)/seklik: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/seklik

# Starts every service against the local RabbitMQ on SQLite files, runs the demo, keeps running.
run: install
	SEKLIK_ENV=development PYTHONWARNINGS=ignore $(BIN)/seklik up --demo

# The browser tests drive Debian's chromium (Playwright's own browser downloads cannot be
# fetched here): installed with apt when it is missing.
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@command -v chromium >/dev/null 2>&1 || { echo "installing Debian's chromium"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium || \
	  { $(SUDO) apt-get update -q && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }; }

# The whole suite: unit, service, integration (real RabbitMQ and PostgreSQL) and the portal in
# a real browser.
test: install chromium
	PYTHONWARNINGS=ignore $(BIN)/python -m pytest

bench: install
	PYTHONWARNINGS=ignore $(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache
