# The two commands of the README: `make demo` and `make test`.
.PHONY: setup demo test lint bench

setup:
	@scripts/setup

demo: setup
	.venv/bin/amanat demo

test:
	@scripts/setup --browser
	.venv/bin/ruff check src tests bench
	.venv/bin/mypy
	.venv/bin/python -m pytest -n 2 -p no:cacheprovider

lint: setup
	.venv/bin/ruff check src tests bench

bench: setup
	.venv/bin/python -m bench
