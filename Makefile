# Two commands on a machine that has only python3: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
BRIEF ?= examples/briefs/online-shop.yaml
OUT ?= designs/online-shop

.PHONY: demo test bench bench-eval eval eval-baseline clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/backend-architect design $(BRIEF) -o $(OUT)
	@echo "Design written to $(OUT)/ (start with $(OUT)/design.md)"

test: $(BIN)/.installed
	$(BIN)/lint-imports --no-cache  # the layer contracts in pyproject.toml
	$(BIN)/python -m pytest -q

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/bench_cli.py

bench-eval: $(BIN)/.installed
	$(BIN)/python benchmarks/bench_eval.py

# The shipped suites over the offline model (about 20 s).
eval: $(BIN)/.installed
	$(BIN)/backend-architect eval evals/ --model builtin --no-cache

# Regenerate the committed baseline after changing the builtin model, persona or knowledge;
# then `backend-architect eval compare evals/baseline/builtin.jsonl <new run>` shows what moved.
eval-baseline: $(BIN)/.installed
	rm -rf evals/baseline/run
	$(BIN)/backend-architect eval evals/ --model builtin --no-cache -j 1 -o evals/baseline/run > /dev/null
	mv evals/baseline/run/results.jsonl evals/baseline/builtin.jsonl
	mv evals/baseline/run/report.md evals/baseline/builtin.md
	rm -rf evals/baseline/run

clean:
	rm -rf $(VENV) designs .pytest_cache
