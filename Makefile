# Two commands on a machine that has only python3: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
BRIEF ?= examples/briefs/online-shop.yaml
OUT ?= designs/online-shop

.PHONY: demo test bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/backend-architect design $(BRIEF) -o $(OUT)
	@echo "Design written to $(OUT)/ (start with $(OUT)/design.md)"

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/bench_cli.py

clean:
	rm -rf $(VENV) designs .pytest_cache
