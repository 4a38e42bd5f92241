# The two commands: `make up` runs the whole center on SQLite with demo data; `make test` runs all tests.
VENV ?= .venv
PYTHON ?= python3
HOTLINE := $(VENV)/bin/hotline
SYSTEM_PACKAGES := sip-tester mmdebstrap sox libsox-fmt-all espeak-ng iproute2 procps ca-certificates python3-venv \
	chromium chromium-driver fonts-wqy-microhei

.PHONY: up test setup system venv clean

up: setup
	$(HOTLINE) up

# Everything on SQLite (the embedded default); on PostgreSQL (production) the unit and wire tests
# that use a database and the integration cases whose database work differs: a recorded call, live
# and fail-open routing. pytest-xdist workers take a file each at a time, in collection order (the
# integration files first: tests/conftest.py) rather than xdist's most-tests-first, so the workers
# end together on short unit files. Each worker runs its own private center (its own ports, state
# directory and databases: tests/dbutil.worker); an integration test mostly waits on real calls,
# so the SQLite run has three workers (on two cores), the PostgreSQL run, with little of that, two.
PG_INTEGRATION := tests/integration/walking_skeleton tests/integration/routing tests/integration/failopen
PYTEST := $(VENV)/bin/pytest --dist loadfile --no-loadscope-reorder

test: system venv
	$(PYTEST) -n 3
	HOTLINE_TEST_DB=postgresql $(PYTEST) -n 2 tests/unit tests/wire $(PG_INTEGRATION)

setup: system venv
	$(HOTLINE) db upgrade
	$(HOTLINE) db seed --demo
	$(HOTLINE) prompts build
	$(HOTLINE) asterisk install

# Debian packages the center and its tests run on (apt-get only what is missing; needs root).
system:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "==> installing Debian packages:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@echo "==> creating $(VENV) and installing hotline"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

clean:
	$(HOTLINE) asterisk stop
	rm -rf --one-file-system $(VENV) var
