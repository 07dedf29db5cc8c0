//! One loaded connector version and the calls into it, whatever contract
//! version it speaks: [`Instance`] answers the 2.0 calls for a 2.0
//! component directly and for a 1.0 component through
//! [`super::contract_v1`], so the pipeline sees one contract.
//!
//! Invariant: every call gets a fresh `Store` (fresh WASI context, fresh
//! memory, a full fuel budget, randomness seeded from the call's input, a
//! wall-clock deadline) and runs on a blocking thread, so nothing leaks
//! between calls (a batch holds employees of one run only), the same input
//! gives the same output, and a misbehaving call fails alone. What the
//! connector logs or prints passes through the caller's [`TextFilter`]
//! before it reaches the host's logs or an error.

use super::bindings::{types::*, v1, v2};
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
        "connector {connector} used up its CPU budget ({fuel} fuel) in `{function}`: it may loop forever, or the work is larger than the budget (a large company read at once). Raise `fuel` in the integration's [[integration]] section if the work is honest, or fix or replace the connector; the step was abandoned"
    )]
    OutOfFuel { connector: String, function: &'static str, fuel: u64 },
    /// The wall-clock deadline passed.
    #[error(
        "connector {connector} did not finish `{function}` within its {seconds} s deadline; it may wait or loop. Fix or replace the connector; the step was abandoned"
    )]
    Deadline { connector: String, function: &'static str, seconds: f64 },
    /// Tried to grow memory past the cap.
    #[error(
        "connector {connector} exceeded its memory cap of {cap_mib} MiB in `{function}`; the step was abandoned. If the work is honest (a large company read at once), raise `memory_mib` in the integration's [[integration]] section"
    )]
    MemoryCap { connector: String, function: &'static str, cap_mib: usize },
    /// Logged more than a call may.
    #[error("connector {connector} flooded the log in `{function}`: {reason}; the step was abandoned")]
    LogFlood { connector: String, function: &'static str, reason: String },
    /// Any other trap, panics included.
    #[error("connector {connector} crashed in `{function}`: {message}")]
    Trap { connector: String, function: &'static str, message: String },
    /// Answered a batch with the wrong number of results.
    #[error(
        "connector {connector} answered `{function}` with {got} result(s) for {sent} input(s); the step was abandoned"
    )]
    Miscounted { connector: String, function: &'static str, sent: usize, got: usize },
    /// Answered with a record whose packed fields are not a JSON object
    /// of strings (`target-record.fields`).
    #[error(
        "connector {connector} answered `{function}` with a `{kind}` record whose fields are not a JSON object of string values ({reason}); the step was abandoned. Fix or replace the connector"
    )]
    MalformedRecord { connector: String, function: &'static str, kind: String, reason: String },
    /// The blocking thread itself failed.
    #[error("connector {connector} call `{function}` could not run: {message}")]
    Host { connector: String, function: &'static str, message: String },
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
    pub(crate) pre: ContractPre,
    pub(crate) engine: ConnectorEngine,
}

/// A component pre-instantiated against the bindings of its contract.
///
/// Invariant: `exports_checked` is set only after an instance of this very
/// `bindings` had every export type-checked (the generated, checked
/// `instantiate`); from then on instances take their exports by index
/// without checking again, which saves about a fifth of an instantiation.
pub(crate) struct ContractPre {
    bindings: ContractBindings,
    exports_checked: std::sync::atomic::AtomicBool,
}

/// The generated bindings of one contract version.
enum ContractBindings {
    /// `paybridge:connector@1`.
    V1(v1::ConnectorPre<HostState>),
    /// `paybridge:connector@2`.
    V2(v2::ConnectorPre<HostState>),
}

impl ContractPre {
    /// A 1.0 component.
    pub(crate) fn v1(pre: v1::ConnectorPre<HostState>) -> Self {
        Self { bindings: ContractBindings::V1(pre), exports_checked: false.into() }
    }

    /// A 2.0 component.
    pub(crate) fn v2(pre: v2::ConnectorPre<HostState>) -> Self {
        Self { bindings: ContractBindings::V2(pre), exports_checked: false.into() }
    }

    /// A fresh instance in `store`: the first one type-checks every
    /// export, the later ones reuse that check.
    fn instantiate(&self, store: &mut Store<HostState>) -> wasmtime::Result<Instance> {
        use std::sync::atomic::Ordering;
        if self.exports_checked.load(Ordering::Acquire) {
            return match &self.bindings {
                ContractBindings::V1(pre) => pre.instantiate_checked_once(store).map(Instance::V1),
                ContractBindings::V2(pre) => pre.instantiate_checked_once(store).map(Instance::V2),
            };
        }
        let instance = match &self.bindings {
            ContractBindings::V1(pre) => pre.instantiate(store).map(Instance::V1),
            ContractBindings::V2(pre) => pre.instantiate(store).map(Instance::V2),
        }?;
        self.exports_checked.store(true, Ordering::Release);
        Ok(instance)
    }
}

/// One instance of a component, answering the 2.0 calls whatever its
/// contract.
pub enum Instance {
    /// A 1.0 component, adapted.
    V1(v1::Connector),
    /// A 2.0 component.
    V2(v2::Connector),
}

impl Instance {
    /// `describe`.
    pub fn describe(&self, store: &mut Store<HostState>) -> wasmtime::Result<Manifest> {
        match self {
            Self::V1(c) => super::contract_v1::describe(c, store),
            Self::V2(c) => c.call_describe(store),
        }
    }

    /// `prepare` for a batch.
    pub fn prepare(
        &self,
        store: &mut Store<HostState>,
        ctx: &Context,
        employees: &[Employee],
    ) -> wasmtime::Result<Vec<Prepared>> {
        match self {
            Self::V1(c) => super::contract_v1::prepare(c, store, ctx, employees),
            Self::V2(c) => c.call_prepare(store, ctx, employees),
        }
    }

    /// `read-start`.
    pub fn read_start(&self, store: &mut Store<HostState>, ctx: &Context) -> wasmtime::Result<Vec<HttpRequest>> {
        match self {
            Self::V1(c) => super::contract_v1::read_start(c, store, ctx),
            Self::V2(c) => c.call_read_start(store, ctx),
        }
    }

    /// `read-next`. A 1.0 component needs every exchange of the read so
    /// far and answers with every employee it can assemble (see
    /// [`super::contract_v1`]); the reader hands it that.
    pub fn read_next(
        &self,
        store: &mut Store<HostState>,
        ctx: &Context,
        exchanges: &[Exchange],
    ) -> wasmtime::Result<Result<ReadStep, ConnectorError>> {
        match self {
            Self::V1(c) => super::contract_v1::read_next(c, store, ctx, exchanges),
            Self::V2(c) => c.call_read_next(store, ctx, exchanges),
        }
    }

    /// `reconcile` for a batch, with the company records the read learnt
    /// (a 1.0 component has none and gets none).
    pub fn reconcile(
        &self,
        store: &mut Store<HostState>,
        ctx: &Context,
        company: &[TargetRecord],
        items: &[ReconcileItem],
    ) -> wasmtime::Result<Vec<Reconciled>> {
        match self {
            Self::V1(c) => super::contract_v1::reconcile(c, store, ctx, items),
            Self::V2(c) => c.call_reconcile(store, ctx, company, items),
        }
    }

    /// `import-employees`; a 1.0 component has no import direction.
    pub fn import_employees(
        &self,
        store: &mut Store<HostState>,
        ctx: &Context,
        current: &[TargetEmployee],
    ) -> wasmtime::Result<Vec<HrUpdate>> {
        match self {
            Self::V1(_) => Ok(Vec::new()),
            Self::V2(c) => c.call_import_employees(store, ctx, current),
        }
    }
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

/// What one call may use when its integration sets its own budget
/// (`fuel`, `memory_mib` in `[[integration]]`); `None` takes the engine's
/// [`super::Limits`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallBudget {
    /// Fuel (roughly, wasm instructions) one call may use.
    pub fuel: Option<u64>,
    /// Bytes one linear memory may grow to (at most the engine's
    /// `memory_ceiling`).
    pub memory_bytes: Option<usize>,
}

/// What a call needs besides its function: who it is, how to clean its
/// texts, the seed for its randomness, and its budget.
#[derive(Clone)]
pub struct CallSite {
    /// Cleans log lines and crash messages.
    pub filter: TextFilter,
    /// Seed of the call's WASI randomness.
    pub seed: u64,
    /// Fuel and memory, when the integration sets its own.
    pub budget: CallBudget,
}

impl CallSite {
    /// A call site seeded from `parts`, cleaning texts with `filter`.
    pub fn new(filter: TextFilter, parts: &[&str]) -> Self {
        Self { filter, seed: seed_of(parts), budget: CallBudget::default() }
    }

    /// The same site under `budget`.
    pub fn with_budget(mut self, budget: CallBudget) -> Self {
        self.budget = budget;
        self
    }
}

impl LoadedConnector {
    /// "name@version".
    pub fn label(&self) -> String {
        format!("{}@{}", self.manifest.name, self.manifest.version)
    }

    /// The major version of the contract it speaks.
    pub fn contract_major(&self) -> u64 {
        semver::Version::parse(&self.contract).map(|v| v.major).unwrap_or(0)
    }

    /// Run `f` against a fresh instance, on this thread.
    pub(crate) fn call_blocking<R>(
        pre: &ContractPre,
        engine: &ConnectorEngine,
        label: &str,
        function: &'static str,
        site: &CallSite,
        f: impl FnOnce(&Instance, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        let limits = engine.limits;
        let fuel = site.budget.fuel.unwrap_or(limits.fuel);
        let memory_bytes = site.budget.memory_bytes.unwrap_or(limits.memory_bytes);
        let stderr = wasmtime_wasi::p2::pipe::MemoryOutputPipe::new(STDERR_CAPACITY);
        let mut store = Store::new(&engine.engine, HostState::new(memory_bytes, site.seed, stderr.clone()));
        store.limiter(|s| &mut s.limiter);
        let host_err =
            |e: wasmtime::Error| CallError::Host { connector: label.to_owned(), function, message: e.to_string() };
        store.set_fuel(fuel).map_err(host_err)?;
        store.set_epoch_deadline(limits.deadline_ticks());
        store.epoch_deadline_trap();
        let started = std::time::Instant::now();
        let instance = pre.instantiate(&mut store);
        let result = instance.and_then(|instance| f(&instance, &mut store));
        crate::metrics::global().connector_call(label, function, started.elapsed());
        // The last error a connector logged explains its crash (the
        // templates' error-to-log wrappers log an exception, then fail).
        let mut last_error = None;
        for line in std::mem::take(&mut store.data_mut().logs) {
            let message = (site.filter)(&line.message);
            if line.level == LogLevel::Error {
                last_error = Some(message.clone());
            }
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
                CallError::MemoryCap { connector, function, cap_mib: memory_bytes >> 20 }
            } else if trap == Some(Trap::OutOfFuel) {
                CallError::OutOfFuel { connector, function, fuel }
            } else if trap == Some(Trap::Interrupt) {
                CallError::Deadline { connector, function, seconds: limits.deadline.as_secs_f64() }
            } else if store.data().log_flooded {
                CallError::LogFlood { connector, function, reason: super::sandbox::LogFlood.to_string() }
            } else {
                // The reason first; the wasm backtrace only in debug logs.
                tracing::debug!(connector = label, function, "trap details: {}", (site.filter)(&format!("{e:?}")));
                let mut message = e.root_cause().to_string();
                if let Some(logged) = &last_error {
                    message.push_str("; it logged: ");
                    message.push_str(&logged.chars().take(300).collect::<String>());
                }
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
        f: impl FnOnce(&Instance, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        let site = CallSite::new(digit_run_filter(), &[function]);
        Self::call_blocking(&self.pre, &self.engine, &self.label(), function, &site, f)
    }

    /// Run `f` against a fresh instance on a blocking thread.
    async fn call<R: Send + 'static>(
        self: &Arc<Self>,
        function: &'static str,
        site: CallSite,
        f: impl FnOnce(&Instance, &mut Store<HostState>) -> wasmtime::Result<R> + Send + 'static,
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

    /// `prepare` for a batch of employees of one run: one [`Prepared`]
    /// per employee, in order.
    pub async fn prepare(
        self: &Arc<Self>,
        site: CallSite,
        ctx: Context,
        employees: Vec<Employee>,
    ) -> Result<Vec<Prepared>, CallError> {
        let (sent, label) = (employees.len(), self.label());
        let filter = site.filter.clone();
        let answers = self.call("prepare", site, move |c, s| c.prepare(s, &ctx, &employees)).await?;
        let answers = counted(label, "prepare", sent, answers)?;
        for answer in &answers {
            if let Prepared::Ready(mapped) = answer {
                for record in &mapped.records {
                    connector_kit::packed::check(&record.fields).map_err(|why| CallError::MalformedRecord {
                        connector: self.label(),
                        function: "prepare",
                        kind: filter(&record.kind),
                        reason: filter(&why.0),
                    })?;
                }
            }
        }
        Ok(answers)
    }

    /// `prepare` for one employee: the mapped employee or its issues.
    pub async fn map_employee(
        self: &Arc<Self>,
        site: CallSite,
        ctx: Context,
        employee: Employee,
    ) -> Result<Result<MappedEmployee, Vec<ValidationIssue>>, CallError> {
        let mut answers = self.prepare(site, ctx, vec![employee]).await?;
        Ok(match answers.pop() {
            Some(Prepared::Ready(mapped)) => Ok(mapped),
            Some(Prepared::Refused(issues)) => Err(issues),
            None => Err(Vec::new()),
        })
    }

    /// `reconcile` for a batch of one run, with the company records its
    /// read learnt: one [`Reconciled`] per item, in order.
    pub async fn reconcile(
        self: &Arc<Self>,
        site: CallSite,
        ctx: Context,
        company: Arc<[TargetRecord]>,
        items: Vec<ReconcileItem>,
    ) -> Result<Vec<Reconciled>, CallError> {
        let (sent, label) = (items.len(), self.label());
        let answers = self.call("reconcile", site, move |c, s| c.reconcile(s, &ctx, &company, &items)).await?;
        counted(label, "reconcile", sent, answers)
    }

    /// `read-start`.
    pub async fn read_start(self: &Arc<Self>, site: CallSite, ctx: Context) -> Result<Vec<HttpRequest>, CallError> {
        self.call("read-start", site, move |c, s| c.read_start(s, &ctx)).await
    }

    /// `read-next` with the exchanges of one round (for a 1.0 component:
    /// of the whole read so far).
    pub async fn read_next(
        self: &Arc<Self>,
        site: CallSite,
        ctx: Context,
        exchanges: Vec<Exchange>,
    ) -> Result<Result<ReadStep, ConnectorError>, CallError> {
        self.call("read-next", site, move |c, s| c.read_next(s, &ctx, &exchanges)).await
    }

    /// `import-employees`: what HR should hold according to the target.
    pub async fn import_employees(
        self: &Arc<Self>,
        site: CallSite,
        ctx: Context,
        current: Vec<TargetEmployee>,
    ) -> Result<Vec<HrUpdate>, CallError> {
        self.call("import-employees", site, move |c, s| c.import_employees(s, &ctx, &current)).await
    }
}

/// `answers` if there is one per input, else [`CallError::Miscounted`].
fn counted<T>(connector: String, function: &'static str, sent: usize, answers: Vec<T>) -> Result<Vec<T>, CallError> {
    if answers.len() == sent {
        Ok(answers)
    } else {
        Err(CallError::Miscounted { connector, function, sent, got: answers.len() })
    }
}
