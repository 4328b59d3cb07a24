//! The DynamoDB adapter of the stores `common` defines: the user table
//! ([`DynamoUserStore`]) and the sessions table ([`DynamoSessionStore`]). Only the crates that talk to DynamoDB link it, so
//! check-token and hello link neither the AWS SDK nor a TLS stack.
//!
//! Errors are matched by their typed error code, never by message text; an
//! item that breaks the schema is [`common::store::StoreError::InvalidItem`],
//! whose message names the attribute, never its value.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{BuildError, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use common::store::StoreError;

mod item;
mod sessions;
mod tables;
#[cfg(feature = "test-support")]
pub mod testing;
mod users;

pub use item::{user_from_item, user_to_item};
pub use sessions::DynamoSessionStore;
pub use users::{DynamoUserStore, attr};

/// One DynamoDB item, as the SDK holds it.
pub type Item = HashMap<String, AttributeValue>;

/// A failed call as one line an operator can act on, never the SDK's
/// `Debug` dump (headers, request ids, a kilobyte and a half): the service's
/// error code and message, a missing table by name, or which endpoint could
/// not be reached. It reaches the CLI's stderr, the local API's console and
/// the functions' logs as it is.
pub(crate) fn unavailable<E>(at: &Target<'_>, err: &SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    StoreError::Unavailable(cause(at, err))
}

/// Where a call went, for its failure's message.
pub(crate) struct Target<'a> {
    pub client: &'a Client,
    pub table: &'a str,
    /// The endpoint URL the client was given, if the store was told
    /// (`with_endpoint`): the SDK's config has no getter for it.
    pub endpoint: Option<&'a str>,
}

/// A request that could not even be built (a required field left out: our bug).
pub(crate) fn build_failed(err: BuildError) -> StoreError {
    StoreError::Unavailable(one_line(&format!("could not build a DynamoDB request: {err}")))
}

fn cause<E>(at: &Target<'_>, err: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let table = at.table;
    let region = at.client.config().region().map_or("none set", |region| region.as_ref());
    let endpoint = || match at.endpoint {
        Some(url) => url.to_string(),
        None => format!("DynamoDB in region {region}"),
    };
    match err {
        SdkError::ServiceError(service) => match service.err().code() {
            Some("ResourceNotFoundException") => {
                format!("table {table} not found (region {region}); create it with `admin --store dynamodb init`")
            }
            Some(code) => one_line(&format!(
                "{code} from DynamoDB (table {table}): {}",
                service.err().message().unwrap_or("no message")
            )),
            // No DynamoDB error code: something else answered (a proxy, the wrong port).
            None => {
                format!("HTTP {} from {}, which is not a DynamoDB answer", service.raw().status().as_u16(), endpoint())
            }
        },
        SdkError::TimeoutError(_) => format!("no answer from {} in time", endpoint()),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => format!("no answer from {} in time", endpoint()),
        SdkError::DispatchFailure(failure) if failure.is_io() => format!("cannot reach {}", endpoint()),
        // Not sent at all: what stopped it is down the chain (missing
        // credentials end up here).
        SdkError::DispatchFailure(_) => one_line(&format!("request to {} not sent: {}", endpoint(), causes(err))),
        SdkError::ResponseError(_) => format!("an answer from {} that is not DynamoDB's", endpoint()),
        SdkError::ConstructionFailure(_) => one_line(&format!("could not build a DynamoDB request: {}", causes(err))),
        _ => one_line(&format!("DynamoDB call failed: {}", causes(err))),
    }
}

/// The error's sources, the first line of each (the SDK's own texts run
/// over several lines), without the SDK's generic labels.
fn causes(err: &dyn std::error::Error) -> String {
    let mut parts = Vec::new();
    let mut next = err.source();
    while let Some(source) = next {
        let text = source.to_string();
        let first = text.lines().next().unwrap_or_default().trim().trim_end_matches(':');
        if !first.is_empty() && first != "other" && !parts.iter().any(|part: &String| part.ends_with(first)) {
            parts.push(first.to_string());
        }
        next = source.source();
    }
    match parts.last() {
        Some(innermost) => innermost.clone(),
        None => "no cause given".to_string(),
    }
}

/// At most this many characters of text from elsewhere, on one line.
const MAX_CAUSE_CHARS: usize = 300;

fn one_line(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(MAX_CAUSE_CHARS) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::config::{BehaviorVersion, Region};
    use aws_sdk_dynamodb::error::{ConnectorError, ErrorMetadata};
    use aws_sdk_dynamodb::operation::get_item::GetItemError;
    use aws_sdk_dynamodb::types::error::ResourceNotFoundException;

    use super::*;

    fn client() -> Client {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-3"));
        Client::from_conf(config.build())
    }

    fn cause_at<E>(table: &str, endpoint: Option<&str>, err: &SdkError<E, HttpResponse>) -> String
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        cause(&Target { client: &client(), table, endpoint }, err)
    }

    fn response() -> HttpResponse {
        HttpResponse::new(400.try_into().unwrap(), "{}".into())
    }

    #[test]
    fn a_missing_table_is_named_with_its_region_and_the_fix() {
        let missing = ResourceNotFoundException::builder()
            .message("Requested resource not found")
            .meta(ErrorMetadata::builder().code("ResourceNotFoundException").build())
            .build();
        let err = SdkError::service_error(GetItemError::ResourceNotFoundException(missing), response());
        assert_eq!(
            cause_at("nosuch", None, &err),
            "table nosuch not found (region eu-west-3); create it with `admin --store dynamodb init`"
        );
    }

    #[test]
    fn another_service_error_is_its_code_and_message() {
        let meta = ErrorMetadata::builder()
            .code("UnrecognizedClientException")
            .message("The security token included in the request is invalid.\nSecond line")
            .build();
        let err = SdkError::service_error(GetItemError::generic(meta), response());
        assert_eq!(
            cause_at("users", None, &err),
            "UnrecognizedClientException from DynamoDB (table users): The security token included in the request \
             is invalid. Second line"
        );
    }

    #[test]
    fn an_answer_without_an_error_code_is_not_from_dynamodb() {
        let err = SdkError::service_error(GetItemError::generic(ErrorMetadata::builder().build()), response());
        assert_eq!(
            cause_at("users", Some("http://proxy:3128"), &err),
            "HTTP 400 from http://proxy:3128, which is not a DynamoDB answer"
        );
    }

    #[test]
    fn an_endpoint_that_does_not_answer_is_named() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused");
        let err: SdkError<GetItemError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::io(Box::new(refused)));
        assert_eq!(cause_at("users", Some("http://127.0.0.1:1"), &err), "cannot reach http://127.0.0.1:1");
        assert_eq!(cause_at("users", None, &err), "cannot reach DynamoDB in region eu-west-3");
    }

    #[test]
    fn a_request_not_sent_says_why_in_one_line() {
        let why: Box<dyn std::error::Error + Send + Sync> =
            "no credentials found in chain. Attempted:\n  Environment: not set\n  Profile: none".into();
        let err: SdkError<GetItemError, HttpResponse> = SdkError::dispatch_failure(ConnectorError::other(why, None));
        let text = cause_at("users", None, &err);
        assert_eq!(text, "request to DynamoDB in region eu-west-3 not sent: no credentials found in chain. Attempted");
        assert!(!text.contains('\n'));
    }

    #[test]
    fn long_text_is_cut() {
        assert_eq!(one_line(&"x ".repeat(400)).chars().count(), MAX_CAUSE_CHARS + 1);
    }
}
