//! Which event arrived, read in one pass: a REST API `TOKEN` event, an HTTP
//! API `REQUEST` event of payload format 2.0, or something else, named by its
//! `type` and `version` so the error says what was received.
//!
//! One flat struct takes the few fields either shape needs and skips the
//! rest, then [`AuthorizerEvent`] is picked from `type` and `version`: an
//! untagged enum would buffer the whole event and parse it once per variant.

use std::fmt;

use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequest;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::authorizer::AuthorizerResponse;
use crate::http_api::{HttpApiRequest, HttpApiResponse};

/// What check-token was invoked with.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "WireEvent")]
pub enum AuthorizerEvent {
    /// REST API: `{"type": "TOKEN", "authorizationToken", "methodArn"}`.
    Token(ApiGatewayCustomAuthorizerRequest),
    /// HTTP API: `{"version": "2.0", "type": "REQUEST", "routeKey", "headers", ...}`.
    HttpApi(HttpApiRequest),
    /// Neither: answered with an error, which API Gateway turns into a 500.
    Unknown(EventShape),
}

/// The answer, in the format of the event it answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AuthorizerAnswer {
    Token(AuthorizerResponse),
    HttpApi(HttpApiResponse),
}

/// The `type` and `version` of an event check-token does not answer: enough
/// for an operator to see which authorizer setting is wrong (a REST `REQUEST`
/// authorizer, an HTTP API authorizer with payload format 1.0, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventShape {
    pub kind: Option<String>,
    pub version: Option<String>,
}

/// Longest `type` or `version` quoted in an error: real ones are a few
/// characters, and an error message is no place for a whole field.
const QUOTED_CHARS: usize = 32;

impl fmt::Display for EventShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quote = |f: &mut fmt::Formatter<'_>, name: &str, value: &Option<String>| match value {
            // Debug quotes and escapes it, so a control character cannot forge a log line.
            Some(value) => write!(f, "{name} {:?}", value.chars().take(QUOTED_CHARS).collect::<String>()),
            None => write!(f, "no {name}"),
        };
        quote(f, "type", &self.kind)?;
        f.write_str(", ")?;
        quote(f, "version", &self.version)
    }
}

/// The fields of both shapes; every other field is skipped unread.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEvent {
    #[serde(rename = "type")]
    kind: Option<String>,
    version: Option<String>,
    authorization_token: Option<String>,
    method_arn: Option<String>,
    route_key: Option<String>,
    #[serde(default)]
    headers: AuthorizationHeader,
}

impl From<WireEvent> for AuthorizerEvent {
    fn from(wire: WireEvent) -> Self {
        match (wire.kind.as_deref(), wire.version.as_deref()) {
            // REST sends no version; one it might add later changes nothing we read.
            (Some("TOKEN"), _) => {
                // #[non_exhaustive]: built from Default, then filled in.
                let mut request = ApiGatewayCustomAuthorizerRequest::default();
                request.type_ = wire.kind;
                request.authorization_token = wire.authorization_token;
                request.method_arn = wire.method_arn;
                Self::Token(request)
            }
            (Some("REQUEST"), Some("2.0")) => {
                Self::HttpApi(HttpApiRequest { authorization: wire.headers.0, route_key: wire.route_key })
            }
            _ => Self::Unknown(EventShape { kind: wire.kind, version: wire.version }),
        }
    }
}

/// The `Authorization` value of an HTTP API event's `headers`. API Gateway
/// lowercases header names in payload 2.0 and joins repeated headers with
/// commas; the name is matched in any case all the same (hand-made events),
/// and a repeat is joined the way API Gateway joins it, so two values never
/// pass as one token.
#[derive(Debug, Default)]
struct AuthorizationHeader(Option<String>);

impl<'de> Deserialize<'de> for AuthorizationHeader {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_option(HeadersVisitor)
    }
}

struct HeadersVisitor;

impl<'de> Visitor<'de> for HeadersVisitor {
    type Value = AuthorizationHeader;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of header names to strings, or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(AuthorizationHeader(None))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(AuthorizationHeader(None))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found: Option<String> = None;
        while let Some(is_authorization) = map.next_key_seed(IsAuthorization)? {
            if !is_authorization {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let value: String = map.next_value()?;
            found = Some(match found {
                None => value,
                Some(first) => first + "," + &value,
            });
        }
        Ok(AuthorizationHeader(found))
    }
}

/// Reads a header name without copying it: whether it is `Authorization`.
struct IsAuthorization;

impl<'de> DeserializeSeed<'de> for IsAuthorization {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for IsAuthorization {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a header name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<bool, E> {
        Ok(name.eq_ignore_ascii_case("authorization"))
    }
}

#[cfg(test)]
mod tests;
