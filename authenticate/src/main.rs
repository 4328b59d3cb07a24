use authenticate::Authenticate;
use common::config::process_env;
use common::startup::or_exit;
use lambda_http::{Error, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    common::logging::init(common::logging::LevelFilter::INFO);
    let app = or_exit(Authenticate::from_env(&process_env).await);
    run(service_fn(|request| app.handle(request))).await
}
