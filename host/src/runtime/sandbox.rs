//! What a connector can reach: the per-call host state (a deny-all WASI
//! context with frozen clocks, the memory limiter, captured log lines) and
//! the import allow-list checked before a component is ever instantiated.

use super::bindings::paybridge::connector::{host, types};
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// WASI interfaces a Rust `wasm32-wasip2` guest imports through its
/// standard library. They are linked deny-all: no preopened directories,
/// no environment, no arguments, stdio discarded, clocks frozen at the
/// epoch, sockets refused.
const ALLOWED_WASI_PREFIXES: &[&str] = &["wasi:cli/", "wasi:io/", "wasi:clocks/", "wasi:random/", "wasi:filesystem/"];

/// The paybridge interfaces a connector may import.
const ALLOWED_PAYBRIDGE: &[&str] = &["paybridge:connector/host@", "paybridge:connector/types@"];

/// Whether a component may import the instance named `name`.
pub fn import_allowed(name: &str) -> bool {
    ALLOWED_PAYBRIDGE.iter().chain(ALLOWED_WASI_PREFIXES).any(|p| name.starts_with(p))
}

/// A clock that always reads zero: connectors get "today" as an argument.
struct FrozenClock;

impl HostWallClock for FrozenClock {
    fn resolution(&self) -> std::time::Duration {
        std::time::Duration::from_secs(1)
    }
    fn now(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}

impl HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

/// One log line a connector wrote through `host.log`.
#[derive(Debug, Clone)]
pub struct LogLine {
    /// Severity the connector gave.
    pub level: types::LogLevel,
    /// The text.
    pub message: String,
}

/// Store data for one call.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: MemoryCap,
    pub(crate) logs: Vec<LogLine>,
}

impl HostState {
    /// Fresh state: deny-all WASI, memory cap of `memory_bytes`.
    pub fn new(memory_bytes: usize) -> Self {
        let wasi = WasiCtxBuilder::new()
            .wall_clock(FrozenClock)
            .monotonic_clock(FrozenClock)
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        Self {
            wasi,
            table: ResourceTable::new(),
            limiter: MemoryCap { cap: memory_bytes, exceeded: false },
            logs: Vec::new(),
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl types::Host for HostState {}

impl host::Host for HostState {
    fn log(&mut self, level: types::LogLevel, message: String) {
        // Bounded so a chatty connector cannot exhaust host memory.
        const MAX_LINES: usize = 1000;
        const MAX_LEN: usize = 2000;
        if self.logs.len() < MAX_LINES {
            let message: String = message.chars().take(MAX_LEN).collect();
            self.logs.push(LogLine { level, message });
        }
    }
}

/// Caps every linear memory and table of a call, and remembers a refusal
/// so the error can say "memory cap" rather than a bare trap.
pub struct MemoryCap {
    cap: usize,
    pub(crate) exceeded: bool,
}

impl wasmtime::ResourceLimiter for MemoryCap {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.cap {
            self.exceeded = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

#[cfg(test)]
mod tests {
    use super::import_allowed;

    #[test]
    fn std_wasi_and_the_host_interface_are_allowed() {
        assert!(import_allowed("paybridge:connector/host@1.0.0"));
        assert!(import_allowed("wasi:cli/environment@0.2.6"));
        assert!(import_allowed("wasi:io/streams@0.2.6"));
    }

    #[test]
    fn sockets_http_and_foreign_interfaces_are_refused() {
        assert!(!import_allowed("wasi:sockets/tcp@0.2.6"));
        assert!(!import_allowed("wasi:http/outgoing-handler@0.2.6"));
        assert!(!import_allowed("test:forbidden/exfiltrate"));
        assert!(!import_allowed("paybridge:connectorx/host@1.0.0"));
    }
}
