//! The one logging set-up of every binary (the Lambdas, `local-api`, `admin`):
//! `lambda_runtime`'s default subscriber (the level from `AWS_LAMBDA_LOG_LEVEL`,
//! then `RUST_LOG`; JSON lines when `AWS_LAMBDA_LOG_FORMAT=JSON`), plus a cap
//! that no setting can lift: a target outside this workspace logs at DEBUG at
//! most.
//!
//! Why the cap: at TRACE, `lambda_runtime` logs every raw event (the Basic
//! header, the JSON body with the password, the authorizer's bearer token), and
//! the AWS SDK (`aws_smithy_runtime`, `aws_sigv4`, `aws_smithy_http_client`)
//! logs request and response bodies, in which DynamoDB items carry password
//! hashes. None of them prints a payload at DEBUG or above. A directive added to
//! the operator's `EnvFilter` would not do: a more specific one
//! (`RUST_LOG=lambda_runtime::layers=trace`) beats it. So the cap is a second
//! filter, ANDed with the operator's. It lists the crates it lets through, not
//! those it caps, so a dependency added later is capped too.

use tracing::Subscriber;
pub use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::filter::{EnvFilter, FilterExt, filter_fn};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{Layer, Registry};

/// The crates of this workspace (as tracing targets), whose own log lines pass
/// at any level: none of them logs a secret (their tests check it).
const WORKSPACE_CRATES: [&str; 13] = [
    "common",
    "store_dynamodb",
    "store_sqlite",
    "apigw",
    "authenticate",
    "check_token",
    "hello",
    "users_api",
    "users",
    "local_store",
    "local_api",
    "admin",
    "bench",
];

/// The most any other crate may log.
pub const DEPENDENCY_CAP: LevelFilter = LevelFilter::DEBUG;

/// Whether a line of this target and level may be written, whatever the operator asked.
pub fn within_cap(target: &str, level: tracing::Level) -> bool {
    let crate_name = target.split("::").next().unwrap_or_default();
    WORKSPACE_CRATES.contains(&crate_name) || level <= DEPENDENCY_CAP
}

/// What the operator asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// `RUST_LOG`-style directives (`None`: the binary's default level).
    pub directives: Option<String>,
    pub json: bool,
}

impl LogSettings {
    /// From `AWS_LAMBDA_LOG_LEVEL` (Lambda's log-level control), else
    /// `RUST_LOG`, and `AWS_LAMBDA_LOG_FORMAT`, as `lambda_runtime` reads them.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Self {
        let set = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let directives = set("AWS_LAMBDA_LOG_LEVEL")
            // Lambda's own level names include FATAL, which tracing does not have.
            .map(|level| if level.eq_ignore_ascii_case("fatal") { "error".into() } else { level })
            .or_else(|| set("RUST_LOG"));
        let json = set("AWS_LAMBDA_LOG_FORMAT").is_some_and(|format| format.eq_ignore_ascii_case("json"));
        Self { directives, json }
    }

    /// These directives when the operator set none.
    pub fn or_directives(mut self, directives: &str) -> Self {
        self.directives.get_or_insert_with(|| directives.to_string());
        self
    }

    /// The operator's filter: the directives, with `default` for targets they do not name.
    pub fn operator_filter(&self, default: LevelFilter) -> EnvFilter {
        EnvFilter::builder()
            .with_default_directive(default.into())
            .parse_lossy(self.directives.as_deref().unwrap_or(""))
    }
}

/// The subscriber: lines without time or target, as `lambda_runtime` writes
/// them (Lambda stamps each line itself), through the operator's filter and the cap.
pub fn subscriber<W>(settings: &LogSettings, default: LevelFilter, writer: W) -> impl Subscriber + Send + Sync + 'static
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    // TRACE as the cap's hint: it lets every level through in general, so the
    // operator's filter alone sets the subscriber's maximum level.
    let cap =
        filter_fn(|metadata| within_cap(metadata.target(), *metadata.level())).with_max_level_hint(LevelFilter::TRACE);
    let filter = settings.operator_filter(default).and(cap);
    let lines = tracing_subscriber::fmt::layer().with_target(false).without_time().with_writer(writer);
    let layer: Box<dyn Layer<Registry> + Send + Sync> =
        if settings.json { Box::new(lines.json().with_filter(filter)) } else { Box::new(lines.with_filter(filter)) };
    Registry::default().with(layer)
}

/// Installs the subscriber for the whole process, from the environment, writing to `writer`.
pub fn init_with_writer<W>(default: LevelFilter, writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    init_with_settings(LogSettings::from_lookup(&|name| std::env::var(name).ok()), default, writer);
}

/// For the programs an operator runs (the admin CLI, the local API): as
/// [`init_with_writer`], but unless the operator sets directives, aws-config
/// logs errors only. It warns while it looks for a region or credentials (no
/// profile file, no instance metadata), each with an SDK error's Debug dump;
/// what matters reaches the operator as the program's own one-line error.
pub fn init_for_operator<W>(default: LevelFilter, writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let settings = LogSettings::from_lookup(&|name| std::env::var(name).ok());
    init_with_settings(settings.or_directives(&operator_directives(default)), default, writer);
}

fn operator_directives(default: LevelFilter) -> String {
    format!("{},aws_config=error", default.to_string().to_lowercase())
}

/// Installs the subscriber for the whole process with these settings, writing to `writer`.
pub fn init_with_settings<W>(settings: LogSettings, default: LevelFilter, writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    // Fails only if a subscriber is already installed, which then stays in charge.
    let _ = tracing::subscriber::set_global_default(subscriber(&settings, default, writer));
}

/// Installs the subscriber for the whole process, writing to stdout (where Lambda collects logs).
pub fn init(default: LevelFilter) {
    init_with_writer(default, std::io::stdout);
}

#[cfg(test)]
mod tests;
