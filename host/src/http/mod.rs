//! The HTTP executor: sends the requests connectors describe, under the
//! integration's base URL only ([`origin`]), with authentication filled in
//! by the host ([`auth`]), bounded retries that never resend a write whose
//! outcome is unknown ([`retry`]), a request budget and a per-integration
//! concurrency limit.

pub mod auth;
pub mod executor;
pub mod origin;
pub mod refresh_store;
pub mod retry;
pub mod secrets;

pub use executor::{Executor, HttpError, Resend};
pub use origin::BaseUrl;
pub use secrets::Secrets;
