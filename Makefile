# Puente: `make run` (set up and chat) and `make test` (set up and test). See README.md.
APP := .venvs/app/bin/python

.PHONY: run test setup prepare lint bench-nlu bench-langid bench-load

run: setup
	$(APP) -m puente.stack run

test: setup
	$(APP) -m puente.stack prepare
	$(APP) -m ruff check .
	$(APP) -m pytest -ra

setup:
	@bash scripts/bootstrap.sh

prepare: setup
	$(APP) -m puente.stack prepare

lint: setup
	$(APP) -m ruff check . && $(APP) -m ruff format --check .

bench-nlu: prepare
	$(APP) -m benchmarks.nlu

bench-langid: setup
	$(APP) -m benchmarks.langid

bench-load: prepare
	$(APP) -m benchmarks.load
