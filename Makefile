# Two commands on a fresh machine:  make run  (launch the app)  and  make test  (run the tests).
# Each creates the virtual environment .venv it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/playground

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/playground bench

lint: $(STAMP)
	$(BIN)/ruff format --check . && $(BIN)/ruff check .

clean:
	rm -rf $(VENV) build *.egg-info
