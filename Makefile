# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test install catalogs extract migrate bench clean

run: install catalogs migrate
	$(PY) -m bot

test: install catalogs
	$(PY) -m pytest -q

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
