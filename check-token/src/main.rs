use check_token::Authorizer;
use common::config::{CheckTokenConfig, process_env};
use lambda_runtime::{Error, run, service_fn, tracing};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    common::logging::init(common::logging::LevelFilter::INFO);
    let authorizer = match CheckTokenConfig::from_lookup(&process_env)
        .map_err(|e| e.to_string())
        .and_then(|config| Authorizer::new(&config).map_err(|e| e.to_string()))
    {
        Ok(authorizer) => authorizer,
        Err(message) => {
            // Stop before serving anything; Lambda reports the exit as an init error.
            tracing::error!("configuration error: {message}");
            std::process::exit(1);
        }
    };
    run(service_fn(|event| authorizer.handle(event))).await
}
