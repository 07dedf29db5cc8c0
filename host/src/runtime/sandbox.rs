//! What a connector can reach: the per-call host state (a deny-all WASI
//! context with frozen clocks and seeded randomness, the memory limiter,
//! captured log lines under a budget) and the import allow-list checked
//! before a component is ever instantiated.

use super::bindings::v1::paybridge::connector as contract_v1;
use super::bindings::v2::paybridge::connector::{host, types};
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

/// The contract version an import names, if it is a paybridge interface:
/// `paybridge:connector/types@1.0.0` gives `1.0.0`.
pub fn contract_version(import: &str) -> Option<&str> {
    ALLOWED_PAYBRIDGE.iter().find_map(|p| import.strip_prefix(p))
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

/// Log lines kept per call; later lines are counted but dropped.
const KEPT_LINES: usize = 1000;
/// Characters kept of one line.
const KEPT_CHARS: usize = 2000;
/// Lines a call may offer before it is stopped.
pub const MAX_LOG_LINES: usize = 10_000;
/// Bytes of log text a call may offer before it is stopped.
pub const MAX_LOG_BYTES: usize = 1 << 20;

/// Store data for one call.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: MemoryCap,
    pub(crate) logs: Vec<LogLine>,
    log_lines: usize,
    log_bytes: usize,
    /// Set when the call offered more log text than its budget.
    pub(crate) log_flooded: bool,
}

impl HostState {
    /// Fresh state: deny-all WASI whose random numbers come from `seed`
    /// (the same input gives the same output), memory cap of `memory_bytes`,
    /// stderr captured into `stderr` (to explain a crash).
    pub fn new(memory_bytes: usize, seed: u64, stderr: wasmtime_wasi::p2::pipe::MemoryOutputPipe) -> Self {
        use rand::SeedableRng as _;
        let wasi = WasiCtxBuilder::new()
            .stderr(stderr)
            .wall_clock(FrozenClock)
            .monotonic_clock(FrozenClock)
            .secure_random(rand::rngs::StdRng::seed_from_u64(seed))
            .insecure_random(rand::rngs::StdRng::seed_from_u64(seed.rotate_left(32)))
            .insecure_random_seed(u128::from(seed))
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        Self {
            wasi,
            table: ResourceTable::new(),
            limiter: MemoryCap { cap: memory_bytes, exceeded: false },
            logs: Vec::new(),
            log_lines: 0,
            log_bytes: 0,
            log_flooded: false,
        }
    }

    /// The resource table (WASI handles).
    pub(crate) fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }
}

/// Why a call was stopped in `host.log`.
#[derive(Debug, thiserror::Error)]
#[error("the connector offered more than {MAX_LOG_LINES} log lines or {} KiB of log text in one call", MAX_LOG_BYTES >> 10)]
pub struct LogFlood;

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl types::Host for HostState {}

impl host::Host for HostState {
    fn log(&mut self, level: types::LogLevel, message: String) -> wasmtime::Result<()> {
        self.log_line(level, message)
    }
}

impl contract_v1::types::Host for HostState {}

impl contract_v1::host::Host for HostState {
    fn log(&mut self, level: contract_v1::types::LogLevel, message: String) -> wasmtime::Result<()> {
        use contract_v1::types::LogLevel as V1;
        let level = match level {
            V1::Debug => types::LogLevel::Debug,
            V1::Info => types::LogLevel::Info,
            V1::Warn => types::LogLevel::Warn,
            V1::Error => types::LogLevel::Error,
        };
        self.log_line(level, message)
    }
}

impl HostState {
    /// Charge the line against the call's budget before keeping anything;
    /// a call over budget traps, so a flood costs at most the budget.
    fn log_line(&mut self, level: types::LogLevel, message: String) -> wasmtime::Result<()> {
        self.log_lines += 1;
        self.log_bytes = self.log_bytes.saturating_add(message.len());
        if self.log_lines > MAX_LOG_LINES || self.log_bytes > MAX_LOG_BYTES {
            self.log_flooded = true;
            return Err(LogFlood.into());
        }
        if self.logs.len() < KEPT_LINES {
            let message: String = message.chars().take(KEPT_CHARS).collect();
            self.logs.push(LogLine { level, message });
        }
        Ok(())
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
