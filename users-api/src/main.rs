use common::config::process_env;
use common::startup::or_exit;
use lambda_http::{Error, run, service_fn};
use users_api::UsersApi;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    common::logging::init(common::logging::LevelFilter::INFO);
    let api = or_exit(UsersApi::from_env(&process_env).await);
    run(service_fn(|request| api.handle(request))).await
}
