# pympler developer tasks.  `make help` lists them; docs/ci.md explains the CI ones.
#
# PYTHON picks the interpreter for the local targets (build, install, test,
# leakcheck); PYMPLER_BUILD=release|debug|asan|werror picks the C flags (setup.py).

PYTHON ?= python3

.DEFAULT_GOAL := help
.PHONY: help build install test leakcheck ci test-all test-browser werror test-asan \
        test-debug-leaks lint lint-py lint-c typing clean clean-venvs

help: ## List the targets
	@echo "usage: make TARGET [PYTHON=python3.X] [PYMPLER_BUILD=release|debug|asan|werror]"
	@echo
	@awk 'BEGIN { FS = ":.*?## " } /^[a-zA-Z0-9_-]+:.*?## / { printf "  %-17s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

# --- local ---------------------------------------------------------------

build: ## Build pympler._core in place (src/pympler/), recompiling everything
	$(PYTHON) setup.py build_ext --inplace --force

install: ## pip install the test requirements and this checkout into $(PYTHON)
	$(PYTHON) -m pip install -r requirements-test.txt .

test: ## Run the test suite against the *installed* pympler (make install first)
	$(PYTHON) -m pytest -q tests

leakcheck: ## Leak-check the installed pympler with $(PYTHON); options in ARGS="--only asized"
	$(PYTHON) tools/leakcheck.py $(ARGS)

# --- CI steps (each runs in its own venvs under .ci-venvs/) ----------------

ci: ## Everything CI runs: .ci/run
	.ci/run

test-all: ## CI: README test command in fresh venvs on CPython 3.9, 3.10, 3.11, 3.12, 3.13
	.ci/run tests

test-browser: ## CI: chromium + chromedriver (apt), tests/browser pages in headless Chromium
	.ci/run browser

werror: ## CI: compile with -Wall -Wextra -Werror on all five interpreters
	.ci/run werror

test-asan: ## CI: ASan/UBSan build, sanitizer canary, test suite under the sanitizers
	.ci/run asan

test-debug-leaks: ## CI: python3.11-dbg debug build, test suite, refcount and RSS leak checks
	.ci/run leaks

lint: ## CI: lint-py and lint-c
	.ci/run lint

lint-py: ## CI: pinned ruff check of src tests tools benchmarks examples setup.py
	.ci/run lint-py

lint-c: ## CI: pinned clang-format --dry-run --Werror of src/core (not the vendored header)
	.ci/run lint-c

typing: ## CI: mypy --strict on tests/typing/user_script.py and stubtest, installed package
	.ci/run typing

# --- cleaning ----------------------------------------------------------------

clean: ## Remove build outputs: build/, dist/, in-place .so, egg-info, __pycache__
	rm -rf build dist src/*.egg-info *.egg-info
	rm -f src/pympler/*.so src/pympler/*.pyd
	find . -path ./.git -prune -o -path ./.ci-venvs -prune -o \
		-name __pycache__ -type d -prune -exec rm -rf {} +

clean-venvs: ## Remove the CI venvs, staged sources and logs (.ci-venvs/)
	rm -rf .ci-venvs
