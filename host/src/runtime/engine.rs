//! The wasmtime `Engine` and `Linker` shared by every connector, and the
//! per-call limits: fuel as the CPU budget, a linear-memory cap, and a
//! wall-clock deadline enforced by epoch interruption.
//!
//! Invariants: a background ticker advances the engine's epoch every
//! [`EPOCH_TICK`] for as long as the engine lives, so a call's deadline
//! holds whatever the guest does; WASI sleeps never block (the clocks are
//! frozen, so a subscription to a duration is ready at once), so no guest
//! can wait inside a host call past its deadline.

use super::bindings::{v1, v2};
use super::sandbox::HostState;
use anyhow::Context as _;
use std::time::Duration;
use wasmtime::component::{HasSelf, Linker, Resource};
use wasmtime::{Config, Engine, StoreContextMut};
use wasmtime_wasi::p2::{DynPollable, Pollable};

/// How often the epoch advances; a deadline is a whole number of ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Per-call resource limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Fuel (roughly, wasm instructions) one call may use.
    pub fuel: u64,
    /// Bytes one linear memory may grow to, unless the call's
    /// [`super::connector::CallBudget`] says otherwise.
    pub memory_bytes: usize,
    /// The most any call's budget may give one linear memory: the pool's
    /// memory slots are this large.
    pub memory_ceiling: usize,
    /// Wall-clock time one call may take, host calls included.
    pub deadline: Duration,
    /// Calls that may run at once; the pooling allocator keeps this many
    /// instance slots ready (copy-on-write memory images).
    pub instance_slots: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            fuel: 2_000_000_000,
            memory_bytes: 64 << 20,
            memory_ceiling: 64 << 20,
            deadline: Duration::from_secs(30),
            instance_slots: 32,
        }
    }
}

/// The pooling allocator for `limits`: slots for `instance_slots`
/// component instances, each with room for the core instances, memories
/// and tables a Rust or Python component has, memories capped at the call's
/// memory limit; 16 KiB of each memory and table stays resident between
/// calls (the fastest setting measured in runtime-service-notes.md).
fn pooling(limits: &Limits) -> wasmtime::PoolingAllocationConfig {
    let slots = limits.instance_slots.max(1);
    let mut pool = wasmtime::PoolingAllocationConfig::new();
    // A componentize-py 0.25 component holds 38 core instances (CPython,
    // its libc and adapters); a Rust one 2 to 4.
    pool.total_component_instances(slots)
        .total_core_instances(slots * 64)
        .total_memories(slots * 2)
        .total_tables(slots * 16)
        .max_core_instances_per_component(64)
        .max_memories_per_component(2)
        .max_tables_per_component(16)
        .max_memories_per_module(2)
        .max_tables_per_module(4)
        .max_memory_size(limits.memory_ceiling.max(limits.memory_bytes))
        .linear_memory_keep_resident(16 << 10)
        .table_keep_resident(16 << 10);
    pool
}

impl Limits {
    /// The deadline in epoch ticks (at least one).
    pub(crate) fn deadline_ticks(&self) -> u64 {
        (self.deadline.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64
    }
}

/// Engine, linker and limits: one per process.
#[derive(Clone)]
pub struct ConnectorEngine {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<HostState>,
    pub(crate) limits: Limits,
    /// One permit per instance slot: a call waits for a free slot rather
    /// than failing on a full pool.
    pub(crate) slots: std::sync::Arc<tokio::sync::Semaphore>,
}

/// A pollable that is always ready: what a sleep becomes under frozen clocks.
struct AlreadyDue;

impl Pollable for AlreadyDue {
    fn ready<'a, 'b>(&'a mut self) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'b>>
    where
        'a: 'b,
        Self: 'b,
    {
        Box::pin(std::future::ready(()))
    }
}

fn already_due(mut store: StoreContextMut<'_, HostState>) -> wasmtime::Result<(Resource<DynPollable>,)> {
    let table = store.data_mut().table();
    let due = table.push(AlreadyDue)?;
    Ok((wasmtime_wasi::p2::subscribe(table, due)?,))
}

/// Set (to anything) to have wasmtime write a perf map of the compiled
/// connectors, for profiling.
pub const PERF_MAP_VAR: &str = "PAYBRIDGE_PERF_MAP";

/// The WASI version whose monotonic clock the host replaces.
const MONOTONIC_CLOCK: &str = "wasi:clocks/monotonic-clock@0.2.12";

impl ConnectorEngine {
    /// Build the engine (fuel metering and epoch interruption on), link the
    /// host interface and a deny-all WASI whose sleeps return at once, and
    /// start the epoch ticker.
    pub fn new(limits: Limits) -> anyhow::Result<Self> {
        let mut config = Config::new();
        config.consume_fuel(true);
        // For profiling: wasmtime writes /tmp/perf-PID.map, so `perf`
        // names the connectors' functions (docs/performance.md).
        if std::env::var_os(PERF_MAP_VAR).is_some() {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        config.epoch_interruption(true);
        config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pooling(&limits)));
        // The pool reserves address space up front; where the machine does
        // not allow that (a ulimit on virtual memory), allocate on demand.
        let engine = match Engine::new(&config) {
            Ok(engine) => engine,
            Err(e) => {
                tracing::info!("pooling allocator unavailable ({e}); instances are allocated on demand");
                config.allocation_strategy(wasmtime::InstanceAllocationStrategy::OnDemand);
                Engine::new(&config).map_err(anyhow::Error::from).context("creating the wasm engine")?
            }
        };
        let mut linker = Linker::<HostState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .map_err(anyhow::Error::from)
            .context("linking the deny-all WASI")?;
        linker.allow_shadowing(true);
        let mut clock = linker.instance(MONOTONIC_CLOCK).map_err(anyhow::Error::from).context("monotonic clock")?;
        clock
            .func_wrap("subscribe-duration", |store, (_,): (u64,)| already_due(store))
            .map_err(anyhow::Error::from)
            .context("replacing subscribe-duration")?;
        clock
            .func_wrap("subscribe-instant", |store, (_,): (u64,)| already_due(store))
            .map_err(anyhow::Error::from)
            .context("replacing subscribe-instant")?;
        linker.allow_shadowing(false);
        // Both contract versions' host interfaces: each component links
        // against the one its imports name.
        v2::paybridge::connector::host::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)
            .map_err(anyhow::Error::from)
            .context("linking paybridge:connector/host@2")?;
        v1::paybridge::connector::host::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)
            .map_err(anyhow::Error::from)
            .context("linking paybridge:connector/host@1")?;
        start_epoch_ticker(&engine)?;
        let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(limits.instance_slots.max(1) as usize));
        Ok(Self { engine, linker, limits, slots })
    }

    /// The limits each call runs under.
    pub fn limits(&self) -> Limits {
        self.limits
    }
}

/// Advance `engine`'s epoch every [`EPOCH_TICK`] until the engine is dropped.
fn start_epoch_ticker(engine: &Engine) -> anyhow::Result<()> {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("paybridge-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .context("starting the connector deadline ticker")?;
    Ok(())
}
