# The README's two commands: `make train` and `make test`. Both create .venv if missing, install
# the project with its test extras (idempotent: a stamp file skips reinstalling), then run.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.divgan-installed
# torch/torchvision are pinned here (not in pyproject): these builds lie on local disk on our machines.
TORCH_PINS ?= torch==2.14.1 torchvision==0.29.1

.PHONY: install train test bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check $(TORCH_PINS)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test,tensorboard]'
	touch $(STAMP)

install: $(STAMP)

train: $(STAMP)
	$(VENV)/bin/divgan train $(ARGS)

# The headless-browser test renders report.html and the lecture page in Debian's chromium.
# -n auto: one pytest worker per core (pytest-xdist; tests/conftest.py gives each worker one thread);
# worksteal rebalances the few long tests. ARGS="-n 0" runs in one process.
test: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || (export DEBIAN_FRONTEND=noninteractive; apt-get install -y -q chromium >/dev/null 2>&1 \
	  || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1)) \
	  || echo "chromium could not be installed: tests/test_report_browser.py will skip"
	$(PY) -m pytest -q -n auto --dist worksteal $(ARGS)

bench: $(STAMP)
	$(PY) bench/throughput.py

clean:
	rm -rf $(VENV) runs .pytest_cache
