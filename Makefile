# hostpanel. On a fresh clone: `make run` starts everything, `make test` runs the suite.
# Every target installs what it needs first (the virtualenv in .venv from pyproject.toml).

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
PYTEST_ARGS ?=
# Debian packages the test suite uses: browser tests, CJK fonts for screenshots,
# clamd for the virus scanner, swaks and curl for scripted mail and HTTP checks,
# publicsuffix for DMARC's organisational domains, gettext (msgfmt) for the catalogues,
# systemd (systemd-analyze) to verify the example units in deploy/
DEBIAN_PACKAGES := chromium chromium-driver fonts-noto-cjk clamav-daemon swaks curl publicsuffix gettext systemd
LANGUAGES := en fr es de it pt_BR nl sv da nb fi pl cs sk hu ru bg tr ja zh_Hans

.DEFAULT_GOAL := help
.PHONY: help venv run demo setup test lint migrate messages clean system-packages

help:
	@echo "make run       set up ./var (or HOSTPANEL_HOME) and start every process"
	@echo "make demo      the live demo: like run, in var/demo, demo.example reset every 15 min"
	@echo "make test      install what the tests need, then ruff and the whole pytest suite"
	@echo "make lint      ruff check ."
	@echo "make migrate   apply database migrations"
	@echo "make messages  update locale/ catalogues and compile them"
	@echo "make clean     remove the install stamp and caches (never var/)"

venv: $(STAMP)

# Made again when pyproject.toml is newer than the stamp, or the virtualenv is gone or broken.
$(STAMP): pyproject.toml
	@if ! $(BIN)/python -c "import sys" >/dev/null 2>&1; then \
		echo "Creating $(VENV)"; rm -rf $(VENV); $(PYTHON) -m venv $(VENV); \
	fi
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

run: venv
	$(MANAGE) startall

# The live demo: like run, in its own home (var/demo unless HOSTPANEL_HOME is set), with
# demo.example restored at start and every 15 minutes.
demo: venv
	HOSTPANEL_DEMO=1 HOSTPANEL_HOME="$${HOSTPANEL_HOME:-var/demo}" $(MANAGE) startall

setup: venv
	$(MANAGE) setup

migrate: venv
	$(MANAGE) migrate

lint: venv
	$(BIN)/ruff check .

test: venv system-packages
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

# Debian packages, as root only, and apt-get update only when the install needs it.
system-packages:
	@if ! command -v dpkg-query >/dev/null; then \
		echo "notice: not a Debian system; install these yourself: $(DEBIAN_PACKAGES)"; exit 0; fi; \
	missing=""; \
	for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "notice: not root, not installing Debian packages:$$missing"; \
		echo "notice: tests that need them will fail; run 'sudo apt-get install$$missing'"; exit 0; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt_install="apt-get install -y -q --no-install-recommends$$missing"; \
	$$apt_install || { apt-get update -q && $$apt_install; }

messages: venv
	@$(MAKE) --no-print-directory system-packages DEBIAN_PACKAGES=gettext
	$(MANAGE) makemessages --ignore='.venv/*' --ignore='var/*' --ignore='tests/*' -e html,txt,py --no-obsolete \
		$(foreach lang,$(LANGUAGES),-l $(lang))
	$(MANAGE) compilemessages --ignore='.venv/*' --ignore='var/*'

# var/ holds databases and mail: never removed here (rm -rf var/ by hand to start afresh).
clean:
	rm -f $(STAMP)
	rm -rf .pytest_cache .ruff_cache build dist *.egg-info test-artifacts
	find . -path ./$(VENV) -prune -o -path ./var -prune -o -name __pycache__ -type d -print \
		| xargs -r rm -rf
