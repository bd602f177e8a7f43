# Willkommen: the commands. `make run` starts everything, `make test` tests everything.
SHELL := /bin/bash
PY := .venv/bin/python
RASA := PYTHONPATH=. SQLALCHEMY_SILENCE_UBER_WARNING=1 RASA_TELEMETRY_ENABLED=false .venv-rasa/bin/rasa
# the tests of bot/rasa_ext, under Rasa's Python 3.10
PYTEST_RASA_EXT := .venv-rasa/bin/python -m pytest -q -c tests/rasa_ext/pytest.ini tests/rasa_ext
# statement coverage of bot/ and actions/ by `make test` may not fall below this (measured 2026-12-04: 86.3%; one point of room for timing-dependent paths)
COVERAGE_FLOOR := 85

.PHONY: chaos purge install run run-scaled bench-scale bench-inbox test test-fast check lint kb-check kb-index train validate nlu-report entity-report eval-kb bench eval lock clean

install:            ## create/update .venv and .venv-rasa from the lock files (seconds when nothing changed)
	@scripts/install

run: install        ## start Rasa, the action server and the gateway with the demo content (PORT=8000)
	@$(PY) -m bot.tools.devstack run

run-scaled: install ## the scaled profile: PostgreSQL, Redis, nginx, 2 gateway workers, 2 Rasa, 2 action servers
	@$(PY) -m bot.tools.devstack run --scaled

test: check        ## everything: test-fast + PostgreSQL, Rasa's data validation and test stories, the stack end to end with browsers, coverage
	@$(PY) -m pytest --cov --cov-report=term:skip-covered --cov-fail-under=$(COVERAGE_FLOOR)
	@$(PYTEST_RASA_EXT)

test-fast: check   ## before every commit: unit and gateway tests on SQLite, bot/rasa_ext under Python 3.10; no running stack
	@$(PY) -m pytest -q -m "not e2e and not rasa and not postgres and not redis"
	@$(PYTEST_RASA_EXT)

check: install     ## ruff (Python 3.10 rules for bot/rasa_ext), mypy, the pre-commit configuration, the knowledge base
	@$(PY) -m ruff check bot actions tests
	@$(PY) -m mypy
	@$(PY) -m pre_commit validate-config .pre-commit-config.yaml
	@$(PY) -m bot.knowledge check

lint: check

kb-check: install   ## validate the knowledge base (schema, languages, ids, contacts, URLs, stale reviews)
	@$(PY) -m bot.knowledge check

kb-index: install   ## build the retrieval index and its classifier into build/kb_index (incremental)
	@$(PY) -m bot.knowledge build

train: install      ## train the Rasa model if its inputs changed
	@$(PY) -m bot.tools.devstack train

validate: install   ## rasa data validate
	@$(RASA) data validate --domain domain --data data --config config.yml --fail-on-warnings

nlu-report: install ## NLU cross-validation (5 folds), F1 per intent and per language -> reports/nlu/; then entity-report
	@$(PY) -m bot.tools.nlu_report
	@$(MAKE) --no-print-directory entity-report

entity-report: install ## entity layer: precision/recall/F1 per type and language on the held-out cases, cost per message -> reports/entities/
	@$(PY) -m bot.tools.devstack train
	@PYTHONPATH=. SQLALCHEMY_SILENCE_UBER_WARNING=1 RASA_TELEMETRY_ENABLED=false .venv-rasa/bin/python -m bot.rasa_ext.entities.evaluation \
		--model $$(ls -t build/models/*.tar.gz | head -1)

chaos: install      ## SIGKILL gateway, Rasa and actions in turn under load; lost/duplicated -> reports/chaos, docs/benchmarks.md
	@$(PY) -m bot.tools.chaos $(ARGS)

purge: install      ## erase conversations older than RETENTION_DAYS (90) from both databases, now (the gateway also does it daily)
	@$(PY) -m bot.privacy purge

lock:               ## re-resolve the lock files after changing pyproject.toml or requirements/rasa.in
	@.tools/uv/bin/uv pip compile -q --python-version 3.11 pyproject.toml --extra test -o requirements/app.lock
	@.tools/uv/bin/uv pip compile -q --python-version 3.11 pyproject.toml --extra test --extra sentence-transformers \
		--find-links $${TORCH_WHEELS:-/opt/wheels} -o requirements/st.lock
	@.tools/uv/bin/uv pip compile -q --python-version 3.10 requirements/rasa.in -o requirements/rasa.lock

clean:              ## remove environments, everything built (build/), databases and logs
	rm -rf .venv .venv-rasa .tools build var

eval-kb: install    ## retrieval quality per language on the dev set + out-of-scope data (ARGS=--calibrate proposes thresholds)
	@$(PY) -m bot.knowledge build
	@OMP_NUM_THREADS=1 $(PY) -m bot.tools.kb_eval $(ARGS)

eval-chat: install  ## the fresh held-out questions through the chat API on a real stack -> reports/quality/ (direct / one tap / wrong per language and topic, chart)
	@$(PY) -m bot.tools.devstack train
	@$(PY) -m bot.tools.chat_eval $(ARGS)

bench: install      ## speed, footprint and quality side by side with bare Rasa -> docs/benchmarks.md (ARGS=--quick)
	@$(PY) -m bot.tools.bench $(ARGS)

bench-inbox: install ## the inbox queue page at 10,000 tickets on a scratch PostgreSQL database -> reports/inbox/, docs/benchmarks.md
	@$(PY) -m bot.tools.inbox_bench $(ARGS)
	@$(PY) -c "from bot.tools.bench.__main__ import render_docs; render_docs()"

bench-scale: install ## one process of each vs the scaled profile at 10/50/100 at once -> reports/bench/scale.json, docs/benchmarks.md
	@$(PY) -m bot.tools.bench.scale $(ARGS)

eval: install       ## the quality part of the benchmarks only
	@$(PY) -m bot.tools.bench --quality-only $(ARGS)
