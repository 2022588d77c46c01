# The project's verbs. Everything runs inside .venv, which `make install` creates from pyproject.toml.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_STAMP := $(VENV)/.system-packages

.PHONY: install demo test fuzz lint format lab bench bench-docs templates screenshots clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found; install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[lab,test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (advocacy-kit)" >/dev/null
	touch $(STAMP)

install: $(STAMP)

# Browser tests use Debian's Chromium (no browser download: these machines reach only package registries);
# one store test opens a workbook the kit wrote in LibreOffice, as a person would.
$(SYSTEM_STAMP): | $(STAMP)
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v soffice >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium and LibreOffice Calc for the browser and workbook tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation libreoffice-calc-nogui >/dev/null; \
	  else echo "make: chromium or soffice is missing; those tests will be skipped (apt-get install chromium libreoffice-calc-nogui)"; fi; \
	fi
	touch $(SYSTEM_STAMP)

demo: $(STAMP)
	$(BIN)/advocacy-kit demo --out demo --force
	$(BIN)/advocacy-kit report all --source demo/advocacy_program.xlsx --out reports --dry-run

test: $(STAMP) $(SYSTEM_STAMP)
	$(BIN)/ruff check kit tests benchmarks emulators
	$(BIN)/python -m pytest

# Property tests hunting for bugs: random examples, 20x as many as `make test` draws (which runs them
# derandomized, so the suite never fails on chance). Failures found are kept in .hypothesis/ and tried first
# next time; turn each into an explicit @example before fixing it.
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -m hypothesis -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check kit tests benchmarks emulators
	$(BIN)/ruff format --check kit tests benchmarks emulators

format: $(STAMP)
	$(BIN)/ruff format kit tests benchmarks emulators
	$(BIN)/ruff check --fix kit tests benchmarks emulators

# The pictures in the README and docs/: the demo program's reports and executive e-mail (600 px and 375 px)
# photographed in headless Chromium. Run after changing a report or an e-mail; look at them; commit them.
screenshots: $(STAMP) $(SYSTEM_STAMP)
	$(BIN)/python -m tests.screenshots --out docs

# The demo workbook lab opens: rebuilt when the schema or the generator changed, else kept (with your edits).
DEMO_BOOK := demo/advocacy_program.xlsx
$(DEMO_BOOK): kit/schema.py kit/demo.py | $(STAMP)
	$(BIN)/advocacy-kit demo --out demo --force

# No browser opens (headless machines): open the URL it prints, token included. Ctrl-C twice stops it.
lab: $(STAMP) $(DEMO_BOOK)
	ADVOCACY_KIT_SOURCE=$(CURDIR)/$(DEMO_BOOK) $(BIN)/jupyter lab --no-browser --ip=127.0.0.1 \
	  --ServerApp.root_dir=notebooks --LabApp.news_url=None $(if $(filter 0,$(shell id -u)),--allow-root)

# Every benchmark (slow: most run at 50,000 advocates), or some: make bench BENCH="validate store".
# bench-docs also writes each one's table into its block of docs/performance.md (benchmarks/record.py).
BENCH ?=
bench: $(STAMP)
	$(BIN)/python -m benchmarks $(BENCH)

bench-docs: $(STAMP)
	$(BIN)/python -m benchmarks --write-docs $(BENCH)

templates: $(STAMP)
	$(BIN)/advocacy-kit templates --out sheets_templates --readme docs/workbook.md

clean:
	rm -rf $(VENV) demo .pytest_cache
