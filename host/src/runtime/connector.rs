//! One loaded connector version and the calls into it.
//!
//! Invariant: every call gets a fresh `Store` (fresh WASI context, fresh
//! memory, a full fuel budget, randomness seeded from the call's input, a
//! wall-clock deadline) and runs on a blocking thread, so nothing leaks
//! between calls, the same input gives the same output, and a misbehaving
//! call fails alone. What the connector logs or prints passes through the
//! caller's [`TextFilter`] before it reaches the host's logs or an error.

use super::bindings::{ConnectorPre, types::*};
use super::engine::ConnectorEngine;
use super::sandbox::HostState;
use std::sync::Arc;
use wasmtime::{Store, Trap};

/// Cleans a text a connector produced before the host shows or logs it
/// (removes personal data the caller knows about).
pub type TextFilter = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// A filter that only masks long digit runs: for calls that concern no
/// one employee.
pub fn digit_run_filter() -> TextFilter {
    Arc::new(|text: &str| crate::privacy::mask_digit_runs(text))
}

/// A connector call that did not return normally.
// Variant fields are named for what they hold; the messages say how they read.
#[allow(missing_docs)]
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The fuel budget ran out: most likely an endless loop.
    #[error(
        "connector {connector} used up its CPU budget ({fuel} fuel) in `{function}`; it may loop forever. Fix or replace the connector; the step was abandoned"
    )]
    OutOfFuel { connector: String, function: &'static str, fuel: u64 },
    /// The wall-clock deadline passed.
    #[error(
        "connector {connector} did not finish `{function}` within its {seconds} s deadline; it may wait or loop. Fix or replace the connector; the step was abandoned"
    )]
    Deadline { connector: String, function: &'static str, seconds: f64 },
    /// Tried to grow memory past the cap.
    #[error("connector {connector} exceeded its memory cap of {cap_mib} MiB in `{function}`; the step was abandoned")]
    MemoryCap { connector: String, function: &'static str, cap_mib: usize },
    /// Logged more than a call may.
    #[error("connector {connector} flooded the log in `{function}`: {reason}; the step was abandoned")]
    LogFlood { connector: String, function: &'static str, reason: String },
    /// Any other trap, panics included.
    #[error("connector {connector} crashed in `{function}`: {message}")]
    Trap { connector: String, function: &'static str, message: String },
    /// The blocking thread itself failed.
    #[error("connector {connector} call `{function}` could not run: {message}")]
    Host { connector: String, function: &'static str, message: String },
}

/// What `validate` and `map-employee` made of one employee.
#[derive(Debug)]
pub enum Prepared {
    /// Issues that keep the employee from being exported (possibly none,
    /// when mapping was not asked for).
    Issues(Vec<ValidationIssue>),
    /// The employee in the target's shape.
    Mapped(MappedEmployee),
}

/// What `diff` and `plan` made of one employee.
#[derive(Debug)]
pub struct DiffAndPlan {
    /// Field changes from the current to the desired state.
    pub changes: Vec<FieldChange>,
    /// The plan, when changes were found and a plan was asked for.
    pub plan: Option<Result<Vec<PlannedOperation>, ConnectorError>>,
}

/// A connector version ready to be called.
pub struct LoadedConnector {
    /// Manifest the component gave at load time.
    pub manifest: Manifest,
    /// sha256 of the component bytes, hex.
    pub sha256: String,
    /// Where it was loaded from.
    pub source: std::path::PathBuf,
    /// The `paybridge:connector` contract version it was built against.
    pub contract: String,
    pub(crate) pre: ConnectorPre<HostState>,
    pub(crate) engine: ConnectorEngine,
}

impl std::fmt::Debug for LoadedConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{} ({})", self.manifest.name, self.manifest.version, &self.sha256[..12])
    }
}

/// A stable 64-bit hash (FNV-1a) of `parts`, for seeding a call's
/// randomness from its input.
pub fn seed_of(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// Bytes of guest stderr kept to explain a crash.
const STDERR_CAPACITY: usize = 64 << 10;

/// What a call needs besides its function: who it is, how to clean its
/// texts, and the seed for its randomness.
#[derive(Clone)]
pub struct CallSite {
    /// Cleans log lines and crash messages.
    pub filter: TextFilter,
    /// Seed of the call's WASI randomness.
    pub seed: u64,
}

impl CallSite {
    /// A call site seeded from `parts`, cleaning texts with `filter`.
    pub fn new(filter: TextFilter, parts: &[&str]) -> Self {
        Self { filter, seed: seed_of(parts) }
    }
}

impl LoadedConnector {
    /// "name@version".
    pub fn label(&self) -> String {
        format!("{}@{}", self.manifest.name, self.manifest.version)
    }

    /// Run `f` against a fresh instance, on this thread.
    pub(crate) fn call_blocking<R>(
        pre: &ConnectorPre<HostState>,
        engine: &ConnectorEngine,
        label: &str,
        function: &'static str,
        site: &CallSite,
        f: impl FnOnce(&super::bindings::Connector, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        let limits = engine.limits;
        let stderr = wasmtime_wasi::p2::pipe::MemoryOutputPipe::new(STDERR_CAPACITY);
        let mut store = Store::new(&engine.engine, HostState::new(limits.memory_bytes, site.seed, stderr.clone()));
        store.limiter(|s| &mut s.limiter);
        let host_err =
            |e: wasmtime::Error| CallError::Host { connector: label.to_owned(), function, message: e.to_string() };
        store.set_fuel(limits.fuel).map_err(host_err)?;
        store.set_epoch_deadline(limits.deadline_ticks());
        store.epoch_deadline_trap();
        let result = pre.instantiate(&mut store).and_then(|instance| f(&instance, &mut store));
        for line in std::mem::take(&mut store.data_mut().logs) {
            let message = (site.filter)(&line.message);
            match line.level {
                LogLevel::Debug => tracing::debug!(connector = label, "{message}"),
                LogLevel::Info => tracing::info!(connector = label, "{message}"),
                LogLevel::Warn => tracing::warn!(connector = label, "{message}"),
                LogLevel::Error => tracing::error!(connector = label, "{message}"),
            }
        }
        result.map_err(|e| {
            let connector = label.to_owned();
            let trap = e.downcast_ref::<Trap>().copied();
            if store.data().limiter.exceeded {
                CallError::MemoryCap { connector, function, cap_mib: limits.memory_bytes >> 20 }
            } else if trap == Some(Trap::OutOfFuel) {
                CallError::OutOfFuel { connector, function, fuel: limits.fuel }
            } else if trap == Some(Trap::Interrupt) {
                CallError::Deadline { connector, function, seconds: limits.deadline.as_secs_f64() }
            } else if store.data().log_flooded {
                CallError::LogFlood { connector, function, reason: super::sandbox::LogFlood.to_string() }
            } else {
                // The reason first; the wasm backtrace only in debug logs.
                tracing::debug!(connector = label, function, "trap details: {}", (site.filter)(&format!("{e:?}")));
                let mut message = e.root_cause().to_string();
                let said = String::from_utf8_lossy(&stderr.contents()).into_owned();
                let useful = |l: &&str| !l.is_empty() && !l.starts_with("note:");
                if let Some(last) = said.lines().map(str::trim).rfind(useful) {
                    message.push_str("; it said: ");
                    message.push_str(&last.chars().take(300).collect::<String>());
                }
                CallError::Trap { connector, function, message: (site.filter)(&message) }
            }
        })
    }

    /// Run `f` against a fresh instance on this thread, synchronously.
    /// Everything the pipeline does goes through the async methods below;
    /// this is for benchmarks and embedders without a runtime.
    pub fn call_sync<R>(
        &self,
        function: &'static str,
        f: impl FnOnce(&super::bindings::Connector, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        let site = CallSite::new(digit_run_filter(), &[function]);
        Self::call_blocking(&self.pre, &self.engine, &self.label(), function, &site, f)
    }

    /// Run `f` against a fresh instance on a blocking thread.
    async fn call<R: Send + 'static>(
        self: &Arc<Self>,
        function: &'static str,
        site: CallSite,
        f: impl FnOnce(&super::bindings::Connector, &mut Store<HostState>) -> wasmtime::Result<R> + Send + 'static,
    ) -> Result<R, CallError> {
        let me = Arc::clone(self);
        let label = self.label();
        let _slot = self.engine.slots.acquire().await.map_err(|e| CallError::Host {
            connector: label.clone(),
            function,
            message: e.to_string(),
        })?;
        tokio::task::spawn_blocking(move || Self::call_blocking(&me.pre, &me.engine, &me.label(), function, &site, f))
            .await
            .map_err(|e| CallError::Host { connector: label, function, message: e.to_string() })?
    }

    /// `map-employee`.
    pub async fn map_employee(
        self: &Arc<Self>,
        site: CallSite,
        ctx: Context,
        employee: Employee,
    ) -> Result<Result<MappedEmployee, Vec<ValidationIssue>>, CallError> {
        self.call("map-employee", site, move |c, s| c.call_map_employee(s, &ctx, &employee)).await
    }

    /// `validate`, then (when `map_too` and validation found nothing)
    /// `map-employee`, in one instance: one instantiation for both steps of
    /// one employee.
    pub async fn validate_and_map(
        self: &Arc<Self>,
        site: CallSite,
        ctx: Context,
        employee: Employee,
        map_too: bool,
    ) -> Result<Prepared, CallError> {
        self.call("validate/map-employee", site, move |c, s| {
            let issues = c.call_validate(&mut *s, &ctx, &employee)?;
            if !issues.is_empty() || !map_too {
                return Ok(Prepared::Issues(issues));
            }
            Ok(match c.call_map_employee(s, &ctx, &employee)? {
                Ok(mapped) => Prepared::Mapped(mapped),
                Err(issues) => Prepared::Issues(issues),
            })
        })
        .await
    }

    /// `diff`, then (when it found changes and `plan_changes`) `plan`, in
    /// one instance: one instantiation for both steps of one employee.
    pub async fn diff_and_plan(
        self: &Arc<Self>,
        site: CallSite,
        ctx: Context,
        desired: MappedEmployee,
        current: Option<TargetEmployee>,
        plan_changes: bool,
    ) -> Result<DiffAndPlan, CallError> {
        self.call("diff/plan", site, move |c, s| {
            let changes = c.call_diff(&mut *s, &ctx, &desired.records, current.as_ref())?;
            let plan = if plan_changes && !changes.is_empty() {
                Some(c.call_plan(s, &ctx, &desired, current.as_ref(), &changes)?)
            } else {
                None
            };
            Ok(DiffAndPlan { changes, plan })
        })
        .await
    }

    /// `read-requests`.
    pub async fn read_requests(self: &Arc<Self>, site: CallSite, ctx: Context) -> Result<Vec<HttpRequest>, CallError> {
        self.call("read-requests", site, move |c, s| c.call_read_requests(s, &ctx)).await
    }

    /// `parse-read`.
    pub async fn parse_read(
        self: &Arc<Self>,
        site: CallSite,
        ctx: Context,
        exchanges: Arc<Vec<Exchange>>,
    ) -> Result<Result<ReadOutcome, ConnectorError>, CallError> {
        self.call("parse-read", site, move |c, s| c.call_parse_read(s, &ctx, &exchanges)).await
    }
}
