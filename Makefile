# Two commands on a fresh machine:  `make extract`  and  `make test`.
# Each creates the project's own virtualenv (.venv) on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: extract test schema review screenshot bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

extract: $(BIN)/.installed  ## raw/ -> extracted/
	$(BIN)/profiles extract raw --out extracted

test: $(BIN)/.installed  ## the whole test suite
	$(BIN)/python -m pytest -q

schema: $(BIN)/.installed  ## regenerate schemas/ from the pydantic models
	$(BIN)/profiles schema --out schemas

review: $(BIN)/.installed  ## extracted/ -> extracted/review/ (index.html, review.xlsx), for curators
	$(BIN)/profiles review --out extracted/review --sheet extracted/review/review.xlsx

screenshot: $(BIN)/.installed  ## the README's picture of the review report (needs chromium)
	PROFILES_SCREENSHOT=docs/review-screenshot.png $(BIN)/python -m pytest -q tests/test_browser.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
