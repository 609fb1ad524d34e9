# Every target works on a fresh clone: the virtual environment is created and the project
# installed (with its test extra) on first use, and again whenever pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: install verify test test-slow docs bench clean

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(INSTALLED)

verify: $(INSTALLED)
	$(VENV)/bin/matcalc verify --all --dtype both

test: $(INSTALLED)
	$(PY) -m pytest -q -n auto --dist loadgroup

# Checks at real sizes (ln|det X| at 1000 x 1000, references over the size budget, operators at
# n = 300): a few minutes on two cores.
test-slow: $(INSTALLED)
	$(PY) -m pytest -q -n auto --dist loadgroup -m slow

docs: $(INSTALLED)
	$(VENV)/bin/matcalc docs --out docs

bench: $(INSTALLED)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	$(PY) benchmarks/fd_accuracy.py
	$(PY) benchmarks/closed_forms.py
	$(PY) benchmarks/scaling.py --write
	$(PY) benchmarks/throughput.py
	$(PY) benchmarks/operators.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
