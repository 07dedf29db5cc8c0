//! One loaded connector version and the calls into it.
//!
//! Invariant: every call gets a fresh `Store` (fresh WASI context, fresh
//! memory, a full fuel budget) and runs on a blocking thread, so nothing
//! leaks between calls and a misbehaving call fails alone.

use super::bindings::{ConnectorPre, types::*};
use super::engine::ConnectorEngine;
use super::sandbox::HostState;
use std::sync::Arc;
use wasmtime::{Store, Trap};

/// A connector call that did not return normally.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The fuel budget ran out: most likely an endless loop.
    #[error(
        "connector {connector} used up its CPU budget ({fuel} fuel) in `{function}`; it may loop forever. Fix or replace the connector; the step was abandoned"
    )]
    OutOfFuel { connector: String, function: &'static str, fuel: u64 },
    /// Tried to grow memory past the cap.
    #[error("connector {connector} exceeded its memory cap of {cap_mib} MiB in `{function}`; the step was abandoned")]
    MemoryCap { connector: String, function: &'static str, cap_mib: usize },
    /// Any other trap, panics included.
    #[error("connector {connector} crashed in `{function}`: {message}")]
    Trap { connector: String, function: &'static str, message: String },
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
    pub(crate) pre: ConnectorPre<HostState>,
    pub(crate) engine: ConnectorEngine,
}

impl std::fmt::Debug for LoadedConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{} ({})", self.manifest.name, self.manifest.version, &self.sha256[..12])
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
        f: impl FnOnce(&super::bindings::Connector, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        let limits = engine.limits;
        let mut store = Store::new(&engine.engine, HostState::new(limits.memory_bytes));
        store.limiter(|s| &mut s.limiter);
        let host_err =
            |e: wasmtime::Error| CallError::Host { connector: label.to_owned(), function, message: e.to_string() };
        store.set_fuel(limits.fuel).map_err(host_err)?;
        let result = pre.instantiate(&mut store).and_then(|instance| f(&instance, &mut store));
        for line in std::mem::take(&mut store.data_mut().logs) {
            let message = crate::sync::redact::mask_digit_runs(&line.message);
            match line.level {
                LogLevel::Debug => tracing::debug!(connector = label, "{message}"),
                LogLevel::Info => tracing::info!(connector = label, "{message}"),
                LogLevel::Warn => tracing::warn!(connector = label, "{message}"),
                LogLevel::Error => tracing::error!(connector = label, "{message}"),
            }
        }
        result.map_err(|e| {
            let connector = label.to_owned();
            if store.data().limiter.exceeded {
                CallError::MemoryCap { connector, function, cap_mib: limits.memory_bytes >> 20 }
            } else if matches!(e.downcast_ref::<Trap>(), Some(Trap::OutOfFuel)) {
                CallError::OutOfFuel { connector, function, fuel: limits.fuel }
            } else {
                CallError::Trap { connector, function, message: format!("{e:#}") }
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
        Self::call_blocking(&self.pre, &self.engine, &self.label(), function, f)
    }

    /// Run `f` against a fresh instance on a blocking thread.
    async fn call<R: Send + 'static>(
        self: &Arc<Self>,
        function: &'static str,
        f: impl FnOnce(&super::bindings::Connector, &mut Store<HostState>) -> wasmtime::Result<R> + Send + 'static,
    ) -> Result<R, CallError> {
        let me = Arc::clone(self);
        let label = self.label();
        tokio::task::spawn_blocking(move || Self::call_blocking(&me.pre, &me.engine, &me.label(), function, f))
            .await
            .map_err(|e| CallError::Host { connector: label, function, message: e.to_string() })?
    }

    /// `validate`.
    pub async fn validate(
        self: &Arc<Self>,
        ctx: Context,
        employee: Employee,
    ) -> Result<Vec<ValidationIssue>, CallError> {
        self.call("validate", move |c, s| c.call_validate(s, &ctx, &employee)).await
    }

    /// `map-employee`.
    pub async fn map_employee(
        self: &Arc<Self>,
        ctx: Context,
        employee: Employee,
    ) -> Result<Result<MappedEmployee, Vec<ValidationIssue>>, CallError> {
        self.call("map-employee", move |c, s| c.call_map_employee(s, &ctx, &employee)).await
    }

    /// `read-requests`.
    pub async fn read_requests(self: &Arc<Self>, ctx: Context) -> Result<Vec<HttpRequest>, CallError> {
        self.call("read-requests", move |c, s| c.call_read_requests(s, &ctx)).await
    }

    /// `parse-read`.
    pub async fn parse_read(
        self: &Arc<Self>,
        ctx: Context,
        exchanges: Arc<Vec<Exchange>>,
    ) -> Result<Result<ReadOutcome, ConnectorError>, CallError> {
        self.call("parse-read", move |c, s| c.call_parse_read(s, &ctx, &exchanges)).await
    }

    /// `diff`.
    pub async fn diff(
        self: &Arc<Self>,
        ctx: Context,
        desired: Vec<TargetRecord>,
        current: Option<TargetEmployee>,
    ) -> Result<Vec<FieldChange>, CallError> {
        self.call("diff", move |c, s| c.call_diff(s, &ctx, &desired, current.as_ref())).await
    }

    /// `plan`.
    pub async fn plan(
        self: &Arc<Self>,
        ctx: Context,
        desired: MappedEmployee,
        current: Option<TargetEmployee>,
        changes: Vec<FieldChange>,
    ) -> Result<Result<Vec<PlannedOperation>, ConnectorError>, CallError> {
        self.call("plan", move |c, s| c.call_plan(s, &ctx, &desired, current.as_ref(), &changes)).await
    }
}
