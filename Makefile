# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
# One test drives the chat page in Debian's Chromium, never a browser downloaded by Playwright.
CHROMIUM ?= /usr/bin/chromium
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test install catalogs extract migrate bench clean

run: install catalogs migrate
	$(PY) -m bot

test: install catalogs $(CHROMIUM)
	$(PY) -m pytest -q

# Installed from Debian when missing: by apt-get as root (CI, containers), otherwise say what to run.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's chromium (the chat page test runs in it)..."; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	else \
		echo "make test needs Debian's chromium at $(CHROMIUM): run 'sudo apt-get install chromium', then make test again." >&2; \
		exit 1; \
	fi
	@test -x $(CHROMIUM) || { echo "chromium was installed but $(CHROMIUM) is missing" >&2; exit 1; }

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(INSTALLED)

# .po files are committed; the compiled .mo files are built here.
catalogs: install
	$(VENV)/bin/pybabel compile --statistics -d locales -D messages

# After adding or changing a message in the code: extract, then translate the new entries in both .po files.
extract: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ -k t -k n:1,2 -k N_plural:1,2 --no-location --sort-output --no-wrap -o locales/messages.pot .
	$(VENV)/bin/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete --no-wrap

migrate: install
	$(PY) -m bot migrate

bench: install catalogs
	$(PY) bench/updates.py

clean:
	rm -rf $(VENV) locales/*/LC_MESSAGES/*.mo
