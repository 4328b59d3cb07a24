use common::config::process_env;
use common::startup::or_exit;
use hello::HelloConfig;
use lambda_http::{Error, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    common::logging::init(common::logging::LevelFilter::INFO);
    let config = or_exit(HelloConfig::from_lookup(&process_env));
    run(service_fn(|request| hello::handle(&config, request))).await
}
