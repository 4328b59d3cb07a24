//! The OpenID Provider Metadata this service publishes at
//! `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §3,
//! RFC 8414): the subset that applies to a token service with no browser
//! flows. Pure: the HTTP side (`well_known.rs`) passes in what it read.
//!
//! API Gateway's JWT authorizer fetches this document from the token's `iss`
//! plus `/.well-known/openid-configuration`, requires `issuer` to equal `iss`
//! exactly, and follows `jwks_uri`: so `issuer` is JWT_ISSUER verbatim and
//! the URLs hang off it.

use common::token::Algorithm;
use serde::Serialize;

/// The document, in the order it is served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenIdConfiguration {
    pub issuer: String,
    pub jwks_uri: String,
    pub token_endpoint: String,
    pub revocation_endpoint: String,
    pub grant_types_supported: [&'static str; 2],
    /// Public clients: no client authentication at either endpoint.
    pub token_endpoint_auth_methods_supported: [&'static str; 1],
    pub revocation_endpoint_auth_methods_supported: [&'static str; 1],
    /// Required by OpenID Discovery; `token` is the nearest to what we issue
    /// (an access token, no authorization code, no id_token flow).
    pub response_types_supported: [&'static str; 1],
    pub subject_types_supported: [&'static str; 1],
    pub id_token_signing_alg_values_supported: [&'static str; 1],
    pub claims_supported: [&'static str; 9],
}

/// Where the request came in, for an issuer that is not a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestOrigin<'a> {
    /// The `Host` header, if it is a plausible host name (with a port).
    pub host: Option<&'a str>,
    /// API Gateway's stage: a REST API's (`prod`), or an HTTP API's `$default`,
    /// which has no path segment.
    pub stage: Option<&'a str>,
}

impl OpenIdConfiguration {
    /// The document for tokens whose `iss` is `issuer`, signed with `algorithm`.
    pub fn new(issuer: &str, algorithm: Algorithm, origin: RequestOrigin<'_>) -> Self {
        let base = base_url(issuer, origin);
        Self {
            issuer: issuer.to_string(),
            jwks_uri: format!("{base}/.well-known/jwks.json"),
            token_endpoint: format!("{base}/token"),
            revocation_endpoint: format!("{base}/revoke"),
            grant_types_supported: ["password", "refresh_token"],
            token_endpoint_auth_methods_supported: ["none"],
            revocation_endpoint_auth_methods_supported: ["none"],
            response_types_supported: ["token"],
            subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: [algorithm.name()],
            claims_supported: ["iss", "sub", "aud", "exp", "iat", "jti", "username", "roles", "scope"],
        }
    }
}

/// The API's base URL: the issuer when it is an http(s) URL (the deployment
/// sets it to the stage's URL), else `https://{Host}/{stage}` as the request
/// reached us; without a usable Host, paths relative to the host.
pub fn base_url(issuer: &str, origin: RequestOrigin<'_>) -> String {
    if issuer.starts_with("https://") || issuer.starts_with("http://") {
        return issuer.trim_end_matches('/').to_string();
    }
    let Some(host) = origin.host.filter(|host| is_host(host)) else {
        return String::new();
    };
    match origin.stage.filter(|stage| !stage.is_empty() && *stage != "$default" && is_path_segment(stage)) {
        Some(stage) => format!("https://{host}/{stage}"),
        None => format!("https://{host}"),
    }
}

/// A host name or address with an optional port: nothing that could turn the
/// URL into another one (`/`, `@`, `?`, spaces).
fn is_host(host: &str) -> bool {
    !host.is_empty() && host.len() <= 255 && host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
}

fn is_path_segment(stage: &str) -> bool {
    stage.len() <= 128 && stage.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_ORIGIN: RequestOrigin<'static> = RequestOrigin { host: None, stage: None };

    #[test]
    fn the_document_is_exact() {
        let issuer = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod";
        let document = OpenIdConfiguration::new(issuer, Algorithm::Es256, NO_ORIGIN);
        let expected = concat!(
            r#"{"issuer":"https://abc123.execute-api.eu-west-1.amazonaws.com/prod","#,
            r#""jwks_uri":"https://abc123.execute-api.eu-west-1.amazonaws.com/prod/.well-known/jwks.json","#,
            r#""token_endpoint":"https://abc123.execute-api.eu-west-1.amazonaws.com/prod/token","#,
            r#""revocation_endpoint":"https://abc123.execute-api.eu-west-1.amazonaws.com/prod/revoke","#,
            r#""grant_types_supported":["password","refresh_token"],"#,
            r#""token_endpoint_auth_methods_supported":["none"],"#,
            r#""revocation_endpoint_auth_methods_supported":["none"],"#,
            r#""response_types_supported":["token"],"subject_types_supported":["public"],"#,
            r#""id_token_signing_alg_values_supported":["ES256"],"#,
            r#""claims_supported":["iss","sub","aud","exp","iat","jti","username","roles","scope"]}"#
        );
        assert_eq!(serde_json::to_string(&document).unwrap(), expected);
        let hs256 = OpenIdConfiguration::new(issuer, Algorithm::Hs256, NO_ORIGIN);
        assert_eq!(hs256.id_token_signing_alg_values_supported, ["HS256"]);
        // The zero-Lambda deployment: API Gateway's JWT authorizer needs RS256 here.
        let rs256 = OpenIdConfiguration::new(issuer, Algorithm::Rs256, NO_ORIGIN);
        assert_eq!(rs256.id_token_signing_alg_values_supported, ["RS256"]);
    }

    #[test]
    fn a_trailing_slash_is_not_doubled_and_issuer_stays_verbatim() {
        let document = OpenIdConfiguration::new("http://127.0.0.1:3000/", Algorithm::Es256, NO_ORIGIN);
        assert_eq!(document.issuer, "http://127.0.0.1:3000/");
        assert_eq!(document.jwks_uri, "http://127.0.0.1:3000/.well-known/jwks.json");
        assert_eq!(document.token_endpoint, "http://127.0.0.1:3000/token");
    }

    #[test]
    fn an_issuer_that_is_no_url_takes_the_urls_from_the_request() {
        let rest = RequestOrigin { host: Some("abc.execute-api.us-east-1.amazonaws.com"), stage: Some("dev") };
        let document = OpenIdConfiguration::new("authenticate", Algorithm::Hs256, rest);
        assert_eq!(document.issuer, "authenticate");
        assert_eq!(document.jwks_uri, "https://abc.execute-api.us-east-1.amazonaws.com/dev/.well-known/jwks.json");
        assert_eq!(document.revocation_endpoint, "https://abc.execute-api.us-east-1.amazonaws.com/dev/revoke");
        let http = RequestOrigin { host: Some("api.example.com"), stage: Some("$default") };
        assert_eq!(base_url("authenticate", http), "https://api.example.com");
        for host in ["evil.com/x", "a@b", "a b", ""] {
            let origin = RequestOrigin { host: Some(host), stage: Some("dev") };
            assert_eq!(base_url("authenticate", origin), "", "{host:?}");
        }
        let odd_stage = RequestOrigin { host: Some("api.example.com"), stage: Some("a/b") };
        assert_eq!(base_url("authenticate", odd_stage), "https://api.example.com");
    }
}
