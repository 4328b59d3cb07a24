//! Logging for `authenticate`: `lambda_runtime`'s default subscriber (level
//! from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`, JSON when
//! `AWS_LAMBDA_LOG_FORMAT=JSON`), with the AWS SDK's HTTP layer capped at DEBUG.
//!
//! At TRACE, `aws_smithy_runtime` logs every request and response body, and
//! DynamoDB items carry password hashes: an operator turning on TRACE to debug
//! something must not copy every hash into CloudWatch.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Targets that log request and response bodies at TRACE.
const BODY_LOGGING_TARGETS: [&str; 3] = ["aws_smithy_runtime", "aws_smithy_http_client", "hyper"];

/// The filter for a `RUST_LOG`-style directive string (`None`: INFO).
pub fn filter(directives: Option<&str>) -> EnvFilter {
    let directives = directives.unwrap_or("info");
    let default = directives.parse::<LevelFilter>().unwrap_or(LevelFilter::INFO);
    let mut filter = EnvFilter::builder().with_default_directive(default.into()).parse_lossy(directives);
    // Only TRACE logs bodies; below it there is nothing to cap (and a cap would raise INFO to DEBUG).
    if filter.max_level_hint() != Some(LevelFilter::TRACE) {
        return filter;
    }
    for target in BODY_LOGGING_TARGETS {
        if let Ok(cap) = format!("{target}=debug").parse() {
            filter = filter.add_directive(cap);
        }
    }
    filter
}

pub fn init_with_writer<W>(filter: EnvFilter, json: bool, writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder =
        tracing_subscriber::fmt().with_target(false).without_time().with_env_filter(filter).with_writer(writer);
    if json { builder.json().init() } else { builder.init() }
}

/// Initialises logging to stdout from the Lambda environment.
pub fn init() {
    let directives = std::env::var("AWS_LAMBDA_LOG_LEVEL").or_else(|_| std::env::var("RUST_LOG")).ok();
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    init_with_writer(filter(directives.as_deref()), json, std::io::stdout);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_body_logging_is_capped_whatever_the_operator_asks() {
        for asked in [Some("trace"), Some("aws_smithy_runtime=trace"), Some("debug,aws_smithy_runtime=trace")] {
            let shown = filter(asked).to_string();
            assert!(shown.contains("aws_smithy_runtime=debug"), "{asked:?}: {shown}");
            assert!(!shown.contains("aws_smithy_runtime=trace"), "{asked:?}: {shown}");
        }
    }

    #[test]
    fn the_level_follows_the_environment() {
        assert!(filter(Some("trace")).to_string().contains("trace"));
        assert_eq!(filter(None).max_level_hint(), Some(LevelFilter::INFO));
    }
}
