use std::sync::Arc;

use authenticate::Authenticate;
use common::config::{AuthenticateConfig, process_env, users_table};
use common::password::PasswordHasher;
use common::store::dynamodb::DynamoUserStore;
use lambda_http::{Error, run, service_fn, tracing};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    common::logging::init(common::logging::LevelFilter::INFO);
    let (config, table) = match AuthenticateConfig::from_lookup(&process_env)
        .and_then(|config| Ok((config, users_table(&process_env)?)))
    {
        Ok(parsed) => parsed,
        Err(err) => {
            // Stop before serving anything; Lambda reports the exit as an init error.
            tracing::error!("configuration error: {err}");
            std::process::exit(1);
        }
    };
    let sdk_config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = Arc::new(DynamoUserStore::new(aws_sdk_dynamodb::Client::new(&sdk_config), table));
    let app = Authenticate::new(&config, store, PasswordHasher::owasp()).unwrap_or_else(|err| {
        tracing::error!("configuration error: {err}");
        std::process::exit(1);
    });
    run(service_fn(|request| app.handle(request))).await
}
