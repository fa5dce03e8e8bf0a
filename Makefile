# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HUB_HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint system-deps

# bash with pipefail: a test pass piped through its prefix still fails when pytest does.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

# The hub with its inference and evaluation workers. torch goes first, pinned, so the CPU
# build is the one that lands (a bare `torch` requirement would pull a multi-GB CUDA build).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[inference,evaluation]'
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(TEST_STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py serve --host $(HUB_HOST) --port $(PORT)

# Debian packages the suite drives (installed only when missing).
system-deps:
	@command -v git >/dev/null || (apt-get update -q && apt-get install -y -q git)
	@command -v git-lfs >/dev/null || (apt-get update -q && apt-get install -y -q git-lfs)
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium)
	@command -v bwrap >/dev/null || (apt-get update -q && apt-get install -y -q bubblewrap)
	@command -v nginx >/dev/null || (apt-get update -q && apt-get install -y -q nginx)
	@command -v wrk >/dev/null || (apt-get update -q && apt-get install -y -q wrk)

# ruff, then the layers and the no-cycle rule of docs/architecture.md (import-linter).
lint: $(TEST_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

# The suite runs twice: on the embedded default (SQLite, filesystem broker) and on
# PostgreSQL + Redis, each with a data directory, databases and Redis numbers of its own,
# so the two passes run side by side; each line is printed as pytest writes it (a line per
# finished test file), prefixed with its pass.
# What the database and the broker decide runs in both passes: accounts, permissions and
# the privacy matrix, the API and pages in-process, the real clients against a live hub,
# inference, evaluation, webhooks, the audit log, the production shape. What they do not
# decide runs once, to keep CI under its time: the benchmarks' smoke tests (each in the pass
# its benchmark is meant for; the seven small ones of test_bench_smoke.py split between the
# passes), the client's own test suite, the viewer, compare, imports and signatures, single
# sign-on and the Xet format on PostgreSQL + Redis; Chromium pages, Spaces, Jobs, fine-tunes
# and the sandbox (user code in bubblewrap) on the embedded default.
PRODUCTION_ONLY := tests/bench/test_inference_bench_smoke.py \
	tests/bench/test_evaluation_bench_smoke.py tests/bench/test_api_latency_smoke.py \
	tests/bench/test_chat_bench_smoke.py tests/bench/test_web_pages_smoke.py \
	tests/bench/test_viewer_bench_smoke.py tests/bench/test_memory_bench_smoke.py \
	tests/clientsuite tests/viewer tests/compare \
	tests/provenance tests/sso tests/xet
BOTH_PASSES := tests/bench/test_bench_smoke.py
EMBEDDED_ONLY := $(filter-out $(PRODUCTION_ONLY) $(BOTH_PASSES),$(wildcard tests/bench/test_*.py)) \
	tests/browser tests/spaces tests/jobs tests/finetune tests/sandbox

test: $(TEST_STAMP) system-deps lint
	$(MAKE) --no-print-directory -j2 test-embedded test-production

.PHONY: test-embedded test-production
test-embedded: $(TEST_STAMP) system-deps
	HUB_DATA_DIR=$(CURDIR)/.test-data/embedded HUB_DATABASE_URL= HUB_BROKER_URL= \
		$(PY) -m pytest $(addprefix --ignore=,$(PRODUCTION_ONLY)) $(PYTEST_ARGS) 2>&1 \
		| sed -u 's/^/embedded: /'

test-production: $(TEST_STAMP) system-deps
	HUB_DATA_DIR=$(CURDIR)/.test-data/production \
		HUB_DATABASE_URL=postgres://postgres@127.0.0.1:5432/minihub \
		HUB_BROKER_URL=redis://127.0.0.1:6379/0 \
		$(PY) -m pytest $(addprefix --ignore=,$(EMBEDDED_ONLY)) $(PYTEST_ARGS) 2>&1 \
		| sed -u 's/^/production: /'
