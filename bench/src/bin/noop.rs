//! The floor the functions are compared with: `lambda_runtime::run` of a
//! handler that returns its event, on the same current-thread tokio runtime
//! and release profile as the real functions, with no logging set up.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    run(service_fn(|event: LambdaEvent<Value>| async move { Ok::<Value, Error>(event.payload) })).await
}
