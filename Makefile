# Everything a fresh clone needs is installed by these targets: `make run` and `make test` are enough.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
CHROMIUM ?= /usr/bin/chromium

.PHONY: install run test test-fast lint format bench browser worker beat check-deploy clean

$(VENV_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV_STAMP) $(NODE_STAMP)

# Debian's Chromium for the browser tests (never a downloaded browser). Without root or apt the tests
# that need it are skipped, and say so.
browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		(apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)) \
		|| echo "Could not install chromium: browser tests will be skipped."; \
	else echo "chromium not found and cannot be installed here: browser tests will be skipped."; fi

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py recalculate_scorecards
	@echo "Serving on http://127.0.0.1:8000  (Ctrl-C to stop)"
	$(PY) manage.py runserver 127.0.0.1:8000

test: install browser
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest -m "not e2e and not worker" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Benchmarks run on PostgreSQL in a kept database (seeded once with a million deals: ~4 minutes).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/prm_bench
bench: install
	@if [ -z "$$DATABASE_URL" ]; then \
		psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='prm_bench'" | grep -q 1 \
		|| createdb -h 127.0.0.1 -U postgres prm_bench; fi
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} $(PY) -m pytest tests/bench -p no:cacheprovider -q -s $(PYTEST_ARGS)

worker: install
	$(VENV)/bin/celery -A prm worker --loglevel=info

beat: install
	$(VENV)/bin/celery -A prm beat --loglevel=info

check-deploy: install
	DJANGO_SETTINGS_MODULE=prm.settings.production SECRET_KEY=$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(50))') \
		ALLOWED_HOSTS=prm.example.com $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache
