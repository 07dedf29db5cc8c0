# paybridge: the two commands of the README, and the pieces they use.
#   make demo    sync the sample HR data to the built-in emulators, twice
#   make test    every test (builds the components on the way)
#
# Components: every workspace member with a cdylib library (the connectors
# in plugins/, the test guests in plugins/test-guests/) is built for
# wasm32-wasip2, in release, by the build script of the `components` crate
# (package paybridge-components), which finds them with `cargo metadata`.
# Tests take the files from its constants; `make plugins` copies the
# connectors to connectors/, where the product and the demo load them.
# Adding a connector: its crate plus one line in the top Cargo.toml members.
CARGO ?= cargo
# The components crate's binary: `list` prints every component's package,
# `copy-connectors DIR` copies the connectors. Running it builds them.
COMPONENTS := $(CARGO) run --quiet -p paybridge-components --

.PHONY: demo test plugins setup browser-deps python-kit screenshots lint fmt bench

# The demo subcommand and the emulators it starts exist only with the
# `demo` feature; the product binary goes without them.
demo: plugins
	$(CARGO) run -p paybridge --features demo -- demo

test: setup browser-deps python-kit
	$(CARGO) test

# The wasm target is the only set-up a fresh machine with Rust needs.
setup:
	@rustup target list --installed | grep -qx wasm32-wasip2 || rustup target add wasm32-wasip2

# The console's browser test drives Debian's chromium through its
# chromedriver. Installed with apt-get when missing and allowed (root, or
# sudo); otherwise that one test says it is skipped (CI requires it).
browser-deps:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	else echo "note: chromium and chromedriver are missing and cannot be installed here: the browser test is skipped"; fi

# componentize-py for the Python connector template's test, in a venv under
# target/ (from PyPI, pinned). Best effort: without python3 and pip the
# Python template's test says it is skipped (CI requires it).
COMPONENTIZE_PY_VERSION := 0.25.1
python-kit:
	@if [ -x target/python-kit/bin/componentize-py ]; then :; \
	elif command -v python3 >/dev/null && python3 -m venv target/python-kit 2>/dev/null; then \
	  target/python-kit/bin/pip install -q componentize-py==$(COMPONENTIZE_PY_VERSION) \
	  || echo "note: componentize-py could not be installed: the Python template's test is skipped"; \
	else echo "note: python3 with venv is missing: the Python template's test is skipped"; fi

# The console's screenshots in docs/screenshots/, taken by the browser test.
screenshots: setup browser-deps
	PAYBRIDGE_SCREENSHOTS=$(CURDIR)/docs/screenshots PAYBRIDGE_REQUIRE_BROWSER=1 \
	  $(CARGO) test -p paybridge --test console_browser

# The connectors (not the test guests) to connectors/, for the product.
plugins: setup
	$(COMPONENTS) copy-connectors connectors

# Clippy twice: every crate natively (the demo feature included), then
# every component for wasm32-wasip2, as listed by the components crate.
lint: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --all-features -- -D warnings
	packages="$$($(COMPONENTS) list)" && test -n "$$packages" && \
	  $(CARGO) clippy --release --target wasm32-wasip2 $$(printf -- '-p %s ' $$packages) -- -D warnings

fmt:
	$(CARGO) fmt --all

bench: plugins python-kit
	$(CARGO) bench -p paybridge
