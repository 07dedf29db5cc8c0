//! The HTTP executor: sends the requests connectors describe, under the
//! integration's base URL only, with authentication filled in by the host
//! ([`auth`]), bounded retries ([`retry`]) and a per-integration
//! concurrency limit.

pub mod auth;
pub mod executor;
pub mod retry;
pub mod secrets;

pub use executor::{Executor, HttpError};
pub use secrets::Secrets;
