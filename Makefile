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

.PHONY: demo test plugins setup lint fmt bench

# The demo subcommand and the emulators it starts exist only with the
# `demo` feature; the product binary goes without them.
demo: plugins
	$(CARGO) run -p paybridge --features demo -- demo

test: setup
	$(CARGO) test

# The wasm target is the only set-up a fresh machine with Rust needs.
setup:
	@rustup target list --installed | grep -qx wasm32-wasip2 || rustup target add wasm32-wasip2

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

bench: plugins
	$(CARGO) bench -p paybridge
