use common::config::{HelloConfig, process_env};
use lambda_http::{Error, run, service_fn, tracing};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    common::logging::init(common::logging::LevelFilter::INFO);
    let config = HelloConfig::from_lookup(&process_env).unwrap_or_else(|err| {
        // Stop before serving anything; Lambda reports the exit as an init error.
        tracing::error!("configuration error: {err}");
        std::process::exit(1);
    });
    run(service_fn(|request| hello::handle(&config, request))).await
}
