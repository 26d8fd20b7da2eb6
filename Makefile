# ई-ऑफिस — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
#: where `make run` serves the demo CA's time-stamping, OCSP and CRLs (certomancer)
PKI_PORT ?= 5001
DEMO_PKI := EOFFICE_DEMO_PKI_URL=$${EOFFICE_DEMO_PKI_URL:-http://127.0.0.1:$(PKI_PORT)}
PO_HI := translations/hi/LC_MESSAGES/messages.po
PO_EN := translations/en/LC_MESSAGES/messages.po
MO := translations/hi/LC_MESSAGES/messages.mo translations/en/LC_MESSAGES/messages.mo
BABEL_KEYWORDS := -k _l -k lazy_gettext -k pgettext:1c,2 -k lazy_pgettext:1c,2

.DEFAULT_GOAL := help
.PHONY: help system-deps system-deps-test drill-failover bench-mail bench-pitr bench-photo bench-hostile bench-import bench-audit bench-backup bench-search bench-reports bench-ltv install run worker serve migrate seed test test-fast lint format i18n-extract i18n-update i18n-compile db-stop clean bench-data bench-pages bench-server

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed ## Create the virtualenv and install the app with its dev tools

system-deps: ## Debian packages for OCR and Hindi PDFs (apt-get as root, sudo otherwise; quiet when present)
	@scripts/system-deps.sh run

system-deps-test: ## The same, Debian's Chromium for the browser tests, Java and the Nu HTML Checker
	@scripts/system-deps.sh test
	@$(PYTHON) scripts/vnu.py >/dev/null

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -l $* -d translations -i $<

i18n-compile: $(MO) ## Compile the Hindi and English catalogues (.po -> .mo)

i18n-extract: install ## Extract every UI string into translations/messages.pot
	$(BIN)/pybabel extract -F translations/babel.cfg $(BABEL_KEYWORDS) --no-location --sort-output \
	  --omit-header -o translations/messages.pot .

i18n-update: i18n-extract ## Merge new strings into the hi and en catalogues (then translate the Hindi ones)
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	@# a fuzzy header makes pybabel compile skip the whole catalogue
	sed -i '1,/^msgid/{/^#, fuzzy$$/d}' $(PO_HI) $(PO_EN)

migrate: install ## Apply database migrations (embedded Postgres under instance/ unless DATABASE_URL is set)
	$(FLASK) db upgrade

seed: i18n-compile migrate ## Load the Hindi demo district and demo users (idempotent; compiles the catalogues too)
	$(DEMO_PKI) $(FLASK) seed-demo

run: system-deps install i18n-compile seed ## Everything: Debian packages, virtualenv, migrate, load the demo office, serve on http://127.0.0.1:5000 (with the job worker, and the demo CA's TSA, OCSP and CRLs on :5001)
	@echo "ई-ऑफिस: http://127.0.0.1:$(PORT)  (demo logins: see README.md)"
	@# links in emails and the QR code on letters point where this demo serves
	@# the demo CA's TSA, OCSP and CRLs (certomancer): letters are signed at PAdES B-LT and
	@# issued at B-LTA; a demo seeded before these services keeps signing at B-B
	export EOFFICE_BASE_URL=$${EOFFICE_BASE_URL:-http://127.0.0.1:$(PORT)} $(DEMO_PKI); \
	  if [ -z "$${EOFFICE_TSA_URL:-}" ] && [ -f instance/pki/services/certomancer.yml ]; then \
	    export EOFFICE_TSA_URL=$$EOFFICE_DEMO_PKI_URL/eoffice/tsa/tsa; \
	    $(FLASK) signing demo-services --port $(PKI_PORT) & pki=$$!; fi; \
	  $(FLASK) jobs worker & worker=$$!; trap 'kill $$worker $${pki:-} 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host 127.0.0.1 --port $(PORT)

worker: install ## Run only the background job worker (OCR of dak)
	$(FLASK) jobs worker

serve: system-deps install i18n-compile migrate ## Production-style: gunicorn with the settings in gunicorn.conf.py
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: system-deps-test install i18n-compile ## The whole suite (Debian packages and Chromium installed if missing) against a real Postgres (embedded, or TEST_DATABASE_URL)
	$(BIN)/pytest

test-fast: system-deps install i18n-compile ## The suite without the browser tests
	$(BIN)/pytest -m "not browser"

lint: install ## ruff: lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## ruff: fix imports and format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

BENCH_FILES ?= 1000000
bench-data: install i18n-compile ## Benchmark databases: demo + bulk office of BENCH_FILES files (default 1M; made once, kept)
	$(BIN)/python bench/data.py --files 10000
	$(BIN)/python bench/data.py --files $(BENCH_FILES)

bench-pages: bench-data ## Page weights and 2G/3G timings in Debian Chromium, against the budgets (bench/results/)
	@scripts/system-deps.sh bench
	$(BIN)/python bench/pages.py --files $(BENCH_FILES)

bench-ltv: install ## What long-term signatures cost: B-B vs B-LT signing, B-LTA at issue, strict validation (issue #27)
	$(BIN)/python -m bench.ltv

bench-mail: install i18n-compile ## Email dak: email to draft with OCR through the real worker, 1,000 messages taken from a real Dovecot, what preparing one costs (issue #30; needs dovecot-imapd: make system-deps-test)
	$(BIN)/python bench/mail_intake.py --messages 1000 --prepare 20 --latency 3

bench-server: bench-data ## gunicorn under wrk (32 connections) at 10k and BENCH_FILES files, and the inbox ÷ the bare baseline (bench/baseline.py) in one run (installs apt wrk)
	@scripts/system-deps.sh bench
	$(BIN)/python bench/server.py --sizes 10000 $(BENCH_FILES)

bench-photo: install i18n-compile ## A 12-megapixel photo of a Hindi letter diarised on 2G in Chromium, against the 30 s budget
	@scripts/system-deps.sh bench
	$(BIN)/python bench/photo.py

bench-import: install i18n-compile ## A 10,000-row staff list: checked, imported and its slips printed (flask staff import), timed
	@scripts/system-deps.sh run
	$(BIN)/python bench/staff_import.py

bench-hostile: install i18n-compile ## What the costly hostile inputs cost now: the staff-list bomb, a million-column CSV, the signing-revision check (issue #25)
	$(BIN)/python bench/hostile.py

bench-audit: install i18n-compile ## The audit viewer's queries on 10 million events (made once under instance/pgbench), against 200 ms
	$(BIN)/python bench/audit.py

drill-failover: system-deps-test install i18n-compile ## Patroni + etcd, two Postgres nodes (synchronous), gunicorn; files sent desk to desk while the leader's Postgres is killed: nothing reported done is lost (issue #31, about a minute; also run by make test)
	$(BIN)/python scripts/drill_failover.py

bench-pitr: install i18n-compile ## The RPO with pgBackRest: commits lost when the primary dies with its disk after 45, 75 and 105 s of work (issue #31; needs postgresql and pgbackrest: make system-deps-test)
	$(BIN)/python bench/pitr_rpo.py --seconds 45,75,105

bench-backup: install i18n-compile ## flask backup create and restore of the BENCH_FILES-file database (made by bench-data if missing), timed, with its size
	$(BIN)/python bench/backup.py --files $(BENCH_FILES)

bench-search: bench-data ## /search at BENCH_FILES files under wrk, 1 and 8 users: every query shape must show results, against p95 ≤ 150 ms
	@scripts/system-deps.sh bench
	$(BIN)/python bench/search.py --files $(BENCH_FILES)

bench-reports: bench-data ## "My work" and every report at BENCH_FILES files, one connection, office and district scope, against p95 ≤ 300 ms
	$(BIN)/python bench/reports.py --files $(BENCH_FILES)

bench-explain: bench-data ## EXPLAIN (ANALYZE, BUFFERS) of every query of the benchmarked pages, at 10k and BENCH_FILES files (bench/results/explain-*.txt)
	$(BIN)/python bench/explain.py --files 10000
	$(BIN)/python bench/explain.py --files $(BENCH_FILES)

db-stop: install ## Stop the embedded Postgres under instance/
	$(BIN)/python -m eoffice.platform.database stop

clean: ## Remove the virtualenv and compiled catalogues (keeps instance/ data)
	rm -rf $(VENV) $(MO) .pytest_cache .ruff_cache
