//! The wasmtime `Engine` and `Linker` shared by every connector, and the
//! per-call limits (fuel as the CPU budget, a linear-memory cap).

use super::bindings::paybridge;
use super::sandbox::HostState;
use anyhow::Context as _;
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine};

/// Per-call resource limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Fuel (roughly, wasm instructions) one call may use.
    pub fuel: u64,
    /// Bytes one linear memory may grow to.
    pub memory_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { fuel: 2_000_000_000, memory_bytes: 64 << 20 }
    }
}

/// Engine, linker and limits: one per process.
#[derive(Clone)]
pub struct ConnectorEngine {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<HostState>,
    pub(crate) limits: Limits,
}

impl ConnectorEngine {
    /// Build the engine (fuel metering on) and link the host interface and
    /// a deny-all WASI.
    pub fn new(limits: Limits) -> anyhow::Result<Self> {
        let mut config = Config::new();
        config.consume_fuel(true);
        let engine = Engine::new(&config).map_err(anyhow::Error::from).context("creating the wasm engine")?;
        let mut linker = Linker::<HostState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .map_err(anyhow::Error::from)
            .context("linking the deny-all WASI")?;
        paybridge::connector::host::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)
            .map_err(anyhow::Error::from)
            .context("linking paybridge:connector/host")?;
        Ok(Self { engine, linker, limits })
    }

    /// The limits each call runs under.
    pub fn limits(&self) -> Limits {
        self.limits
    }
}
