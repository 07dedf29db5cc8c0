# paybridge: the two commands of the README, and the pieces they use.
#   make demo    sync the sample HR data to the built-in 24SevenOffice emulator, twice
#   make test    every test (builds the connectors first)
CARGO ?= cargo
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
WASM_OUT := $(TARGET_DIR)/wasm32-wasip2/release
# Test guest <name> is the crate test-guest-<name> in plugins/test-guests/<name>,
# copied to tests/guests/<name>.wasm.
TEST_GUESTS := hostile forbidden-import leaky trespasser thief-exchange thief-oauth2 impostor contract-two
GUESTS := -p twentyfour-seven -p nmbrs $(addprefix -p test-guest-,$(TEST_GUESTS))

.PHONY: demo test plugins setup lint fmt bench

demo: plugins
	$(CARGO) run -p paybridge -- demo

test: plugins
	$(CARGO) test

# The wasm target is the only set-up a fresh machine with Rust needs.
setup:
	@rustup target list --installed | grep -qx wasm32-wasip2 || rustup target add wasm32-wasip2

# Connectors go to connectors/ (loaded by the host); the hostile test
# components to tests/guests/ (used only by the sandbox tests).
plugins: setup
	$(CARGO) build --release --target wasm32-wasip2 $(GUESTS)
	mkdir -p connectors tests/guests
	cp $(WASM_OUT)/twentyfour_seven.wasm connectors/twentyfour-seven.wasm
	cp $(WASM_OUT)/nmbrs.wasm connectors/nmbrs.wasm
	$(foreach g,$(TEST_GUESTS),cp $(WASM_OUT)/test_guest_$(subst -,_,$(g)).wasm tests/guests/$(g).wasm &&) true

lint: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) clippy --release --target wasm32-wasip2 $(GUESTS) -- -D warnings

fmt:
	$(CARGO) fmt --all

bench: plugins
	$(CARGO) bench -p paybridge
