//! The host's own domain model: what paybridge keeps and reasons about,
//! independent of any connector contract version.
//!
//! [`hr`] is the HR side (the canonical AlexisHR / Simployer One shape) as
//! sources produce it, the store keeps it (as versioned JSON) and scope and
//! matching read it; [`target`] is the payroll side as a read assembles it
//! and matching and reconciling read it; [`http`] is what the executor
//! sends and how it authenticates; [`convert`] turns both into (and
//! from) a contract's types at the component boundary, so a new contract
//! major adds conversions, not a new storage format or engine.

pub mod convert;
pub mod hr;
pub mod http;
pub mod target;

pub use hr::Employee as HrEmployee;
pub use target::TargetEmployee;
