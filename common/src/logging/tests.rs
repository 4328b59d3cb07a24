use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use super::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn settings(env: &[(&str, &str)]) -> LogSettings {
    let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    LogSettings::from_lookup(&move |name| env.get(name).cloned())
}

/// Logs what the dependencies would at every level under these settings; what was written.
fn logged(settings: &LogSettings, default: LevelFilter) -> String {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing::subscriber::with_default(subscriber(settings, default, move || writer.clone()), || {
        // Where each crate prints payloads (see the module's documentation).
        tracing::trace!(target: "lambda_runtime::layers::api_response", body = "PAYLOAD-1", "raw JSON event");
        tracing::trace!(target: "lambda_runtime", "PAYLOAD-2");
        tracing::trace!(target: "lambda_http::request", "PAYLOAD-3");
        tracing::trace!(target: "aws_smithy_runtime::client::orchestrator", response = "PAYLOAD-4");
        tracing::trace!(target: "aws_smithy_runtime::client::orchestrator::http", "PAYLOAD-5");
        tracing::trace!(target: "aws_sigv4::http_request::sign", "PAYLOAD-6");
        tracing::trace!(target: "aws_smithy_http_client::client", "PAYLOAD-7");
        tracing::trace!(target: "hyper::proto::h1::io", "PAYLOAD-8");
        tracing::trace!(target: "hyper_util::client::legacy", "PAYLOAD-9");
        tracing::trace!(target: "some_future_dependency", "PAYLOAD-10");
        tracing::debug!(target: "aws_smithy_runtime::client::orchestrator", "sdk-debug-line");
        tracing::info!(target: "lambda_runtime", "runtime-info-line");
        tracing::trace!(target: "check_token::authorizer", "own-trace-line");
        tracing::debug!(target: "authenticate::handler", "own-debug-line");
        tracing::info!(target: "authenticate::handler", "own-info-line");
        tracing::warn!(target: "admin", "own-warn-line");
    });
    String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
}

#[test]
fn no_setting_lets_a_dependency_log_at_trace() {
    for env in [
        &[("RUST_LOG", "trace")][..],
        &[("AWS_LAMBDA_LOG_LEVEL", "TRACE")],
        &[("AWS_LAMBDA_LOG_LEVEL", "TRACE"), ("AWS_LAMBDA_LOG_FORMAT", "JSON")],
        &[("RUST_LOG", "aws_smithy_runtime=trace,lambda_runtime=trace,hyper=trace,check_token=trace")],
        &[("RUST_LOG", "lambda_runtime::layers=trace,aws_smithy_runtime::client::orchestrator=trace,trace")],
        &[("RUST_LOG", "debug,lambda_runtime::layers::api_response[{body}]=trace,some_future_dependency=trace")],
    ] {
        let output = logged(&settings(env), LevelFilter::INFO);
        assert!(!output.contains("PAYLOAD"), "{env:?}:\n{output}");
        // The capture works, and the dependencies still log at DEBUG.
        assert!(output.contains("sdk-debug-line"), "{env:?}:\n{output}");
        assert!(output.contains("runtime-info-line"), "{env:?}:\n{output}");
    }
}

#[test]
fn the_workspace_crates_log_at_the_level_asked() {
    let output = logged(&settings(&[("RUST_LOG", "trace")]), LevelFilter::INFO);
    for line in ["own-trace-line", "own-debug-line", "own-info-line", "own-warn-line", "sdk-debug-line"] {
        assert!(output.contains(line), "{line}:\n{output}");
    }
    let output = logged(&settings(&[]), LevelFilter::INFO);
    assert!(output.contains("own-info-line") && output.contains("runtime-info-line"), "{output}");
    assert!(!output.contains("own-debug-line") && !output.contains("sdk-debug-line"), "{output}");
    let output = logged(&settings(&[]), LevelFilter::WARN);
    assert!(output.contains("own-warn-line") && !output.contains("own-info-line"), "{output}");
}

#[test]
fn the_level_and_format_come_from_lambdas_variables_first() {
    assert_eq!(settings(&[]), LogSettings { directives: None, json: false });
    assert_eq!(settings(&[("RUST_LOG", "debug")]).directives.as_deref(), Some("debug"));
    let both = settings(&[("AWS_LAMBDA_LOG_LEVEL", "WARN"), ("RUST_LOG", "trace")]);
    assert_eq!(both.directives.as_deref(), Some("WARN"));
    assert_eq!(settings(&[("AWS_LAMBDA_LOG_LEVEL", "FATAL")]).directives.as_deref(), Some("error"));
    assert_eq!(settings(&[("AWS_LAMBDA_LOG_LEVEL", ""), ("RUST_LOG", "debug")]).directives.as_deref(), Some("debug"));
    assert!(settings(&[("AWS_LAMBDA_LOG_FORMAT", "json")]).json);
    assert!(!settings(&[("AWS_LAMBDA_LOG_FORMAT", "Text")]).json);

    let output = logged(&settings(&[("AWS_LAMBDA_LOG_LEVEL", "WARN"), ("RUST_LOG", "trace")]), LevelFilter::INFO);
    assert!(output.contains("own-warn-line") && !output.contains("own-info-line"), "{output}");
    let output = logged(&settings(&[("AWS_LAMBDA_LOG_FORMAT", "JSON")]), LevelFilter::INFO);
    for line in output.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|err| panic!("{err}: {line}"));
    }
    assert!(output.contains("own-info-line"), "{output}");
}

#[test]
fn the_cap_matches_whole_crate_names() {
    use tracing::Level;
    assert!(within_cap("check_token::authorizer", Level::TRACE));
    assert!(within_cap("local_api", Level::TRACE));
    assert!(!within_cap("common_dependency::x", Level::TRACE));
    assert!(!within_cap("hyper", Level::TRACE));
    assert!(within_cap("hyper", Level::DEBUG));
    assert!(within_cap("aws_sigv4::http_request", Level::INFO));
}

#[test]
fn a_binary_default_applies_only_when_the_operator_sets_nothing() {
    let quiet = "warn,aws_config=error";
    assert_eq!(settings(&[]).or_directives(quiet).directives.as_deref(), Some(quiet));
    assert_eq!(settings(&[("RUST_LOG", "debug")]).or_directives(quiet).directives.as_deref(), Some("debug"));
}

#[test]
fn operator_programs_quiet_aws_config_by_default() {
    assert_eq!(operator_directives(LevelFilter::WARN), "warn,aws_config=error");
    assert_eq!(operator_directives(LevelFilter::INFO), "info,aws_config=error");
}
