//! The harness behind `src/bin/harness.rs`: runs the release binaries under a
//! fake Lambda Runtime API and prints cold start, first-invocation and warm
//! latency, CPU per invocation and peak RSS of each, beside the floors (the
//! harness's own std-only echo, and a `lambda_runtime` echo). Every answer is
//! checked. See BENCHMARKS.md.

pub mod args;
mod es256;
mod login;
mod refresh;
pub mod report;
pub mod run;
mod scenarios;
