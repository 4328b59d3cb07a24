//! The whole-process benchmark harness: a fake Lambda Runtime API that runs
//! the release binaries as Lambda does and times them. See BENCHMARKS.md.

pub mod affinity;
pub mod dynamodb;
pub mod harness;
pub mod http;
pub mod runtime_api;
pub mod stats;
