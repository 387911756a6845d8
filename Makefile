# Quickstart and test entry points. Both set up everything they need on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test install services stop manage lint browser-deps pdf-deps clean

run: install          ## Run the tracker: embedded PostgreSQL + Redis, demo data, web + worker + beat
	-$(PY) -m devtools.browser_deps --pdf   # the PDF downloads' fonts and Pango; the tracker runs without them
	$(PY) -m devtools.run run

test: install browser-deps   ## The whole suite against real PostgreSQL, Redis, Celery worker, SMTP and Chromium
	$(PY) -m pytest

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

browser-deps:         ## Debian chromium, fonts-noto-cjk and Pango for the PDFs (installed when missing and running as root)
	$(PY) -m devtools.browser_deps

pdf-deps:             ## What the PDF downloads need: fonts-noto-cjk and Pango/HarfBuzz for WeasyPrint
	$(PY) -m devtools.browser_deps --pdf

services: install     ## Start the embedded servers in the background (for manage.py commands)
	$(PY) -m devtools.run services

stop:                 ## Stop the embedded servers started by `make services`
	$(PY) -m devtools.run stop

manage: install       ## make manage ARGS="exposure --json" (quickstart settings: DEBUG on unless set)
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py $(ARGS)

lint: install         ## ruff, and the layering contracts of .importlinter (docs/architecture.md)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) test-artifacts
