# chengguan — the two commands: `make run` (demo city on http://127.0.0.1:$PORT) and `make test`.
PORT ?= 8000
PY := .venv/bin/python
export PORT

.PHONY: run test test-fast test-pg lint fmt bench clean help

help:
	@echo "make run    — 环境、迁移、演示城市（SQLite），在 127.0.0.1:$(PORT) 提供服务"
	@echo "make test   — 安装测试所需并运行全部测试（SQLite）"
	@echo "make test-pg — 在临时 PostgreSQL 上运行同一套测试"
	@echo "make lint   — ruff + mypy"
	@echo "make bench  — 运行 bench/ 下的基准测试"

run:
	@scripts/bootstrap.sh run
	@.venv/bin/python -m compileall -q src >/dev/null  # our own modules' .pyc (fast when current)
	@CHENGGUAN_PORT=$(PORT) .venv/bin/chengguan up --port $(PORT)

test:
	@scripts/bootstrap.sh dev
	@scripts/system-deps.sh --browser --pdf-tools
	@.venv/bin/pytest -n 2 --dist loadgroup

test-fast:
	@scripts/bootstrap.sh dev
	@.venv/bin/pytest -m "not browser and not slow"

test-pg:
	@scripts/bootstrap.sh dev
	@scripts/pg-throwaway.sh start >/dev/null
	@CHENGGUAN_TEST_DATABASE_URL=$$(scripts/pg-throwaway.sh url) .venv/bin/pytest -n 2 --dist loadgroup; \
	  rc=$$?; scripts/pg-throwaway.sh stop >/dev/null; exit $$rc

lint:
	@scripts/bootstrap.sh dev
	@.venv/bin/ruff check src tests bench
	@.venv/bin/mypy src/chengguan

fmt:
	@.venv/bin/ruff check --fix src tests bench

bench:
	@scripts/bootstrap.sh dev
	@scripts/system-deps.sh --bench --postgres
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf var .pytest_cache .ruff_cache .mypy_cache
