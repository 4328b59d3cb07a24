use check_token::{Authorizer, CheckTokenConfig};
use common::config::process_env;
use common::startup::or_exit;
use lambda_runtime::{Error, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    common::logging::init(common::logging::LevelFilter::INFO);
    let config = or_exit(CheckTokenConfig::from_lookup(&process_env));
    let authorizer = or_exit(Authorizer::new(&config));
    run(service_fn(|event| authorizer.handle_event(event))).await
}
