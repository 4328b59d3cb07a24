//! Assembling a [`Gateway`] from configuration: the functions' own
//! `from_lookup` parsing, the routes of `serverless.yml`, and the
//! `check-token` authorizer, each replaceable in tests.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use authenticate::{Authenticate, AuthenticateConfig, Signer, Stores};
use check_token::{ACCESS_RULES, Authorizer, CheckTokenConfig};
use common::config::{
    ConfigError, IssuerKey, JWT_ALGORITHM, JWT_PUBLIC_KEYS, JWT_SIGNING_KEY_SECRET, SigningKeySecret,
};
use common::password::PasswordHasher;
use common::store::{SessionStore, UserStore};
use hello::HelloConfig;
use users_api::{UsersApi, UsersApiConfig};

use crate::authorizer::{CheckToken, TokenAuthorizer};
use crate::clock::{Clock, SystemClock};
use crate::event::ApiIdentity;
use crate::gateway::{ApiKind, Function, Gateway};
use crate::routes::{self, RouteTable};
use crate::{DEFAULT_REGION, StartupError, cache};

/// Assembles a [`Gateway`] from configuration: the same `from_lookup`
/// parsing as the Lambdas, the routes of `serverless.yml`, and the
/// `check-token` authorizer, each replaceable in tests.
pub struct GatewayBuilder<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    store: Arc<dyn UserStore>,
    sessions: Arc<dyn SessionStore>,
    routes: Option<RouteTable>,
    clock: Arc<dyn Clock>,
    authorizers: HashMap<String, Arc<dyn TokenAuthorizer>>,
    ttl_override: Option<u64>,
    kind: ApiKind,
    es256_key: Option<SigningKeySecret>,
}

impl<'a> GatewayBuilder<'a> {
    /// `lookup` reads the environment variables the Lambdas read.
    pub fn new(
        lookup: &'a dyn Fn(&str) -> Option<String>,
        store: Arc<dyn UserStore>,
        sessions: Arc<dyn SessionStore>,
    ) -> Self {
        Self {
            lookup,
            store,
            sessions,
            routes: None,
            clock: Arc::new(SystemClock),
            authorizers: HashMap::new(),
            ttl_override: None,
            kind: ApiKind::Rest,
            es256_key: None,
        }
    }

    /// The ES256 key authenticate signs with when JWT_ALGORITHM=ES256: the
    /// data folder's (`local_store::signing_key`), where the Lambda reads
    /// Secrets Manager. check-token then gets its public key only.
    pub fn es256_key(mut self, key: SigningKeySecret) -> Self {
        self.es256_key = Some(key);
        self
    }

    /// Which kind of API to emulate (REST by default).
    pub fn api_kind(mut self, kind: ApiKind) -> Self {
        self.kind = kind;
        self
    }

    /// Routes other than `serverless.yml`'s (tests).
    pub fn routes(mut self, routes: RouteTable) -> Self {
        self.routes = Some(routes);
        self
    }

    /// The clock of the authorizer cache and of the authorizer's token checks.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the authorizer function of this name (tests).
    pub fn authorizer(mut self, name: &str, authorizer: Arc<dyn TokenAuthorizer>) -> Self {
        self.authorizers.insert(name.to_string(), authorizer);
        self
    }

    /// Overrides every authorizer's `resultTtlInSeconds` (0 disables the cache).
    pub fn authorizer_ttl(mut self, seconds: Option<u64>) -> Self {
        self.ttl_override = seconds;
        self
    }

    /// authenticate's signer: the HS256 secret, or the local ES256 key with
    /// the previous public keys of JWT_PUBLIC_KEYS. RS256 is refused
    /// ([`rs256_is_not_local`]).
    fn signer(config: &AuthenticateConfig, es256_key: Option<&SigningKeySecret>) -> Result<Signer, StartupError> {
        match (&config.issuer.key, es256_key) {
            (IssuerKey::Hs256(key), _) => Ok(Signer::hs256(key)?),
            (IssuerKey::Rs256 { .. }, _) => Err(rs256_is_not_local()),
            (IssuerKey::Es256 { previous, .. }, Some(local)) => {
                Ok(Signer::from_secret(local, common::token::Algorithm::Es256, previous)?)
            }
            (IssuerKey::Es256 { .. }, None) => Err(StartupError::Config(ConfigError::invalid(
                JWT_ALGORITHM,
                Some("ES256"),
                "the local API has no ES256 key",
                "a key from local_store::signing_key (the binary makes one in its data folder)",
            ))),
        }
    }

    pub fn build(self) -> Result<Gateway, StartupError> {
        let routes = match self.routes {
            Some(routes) => routes,
            None => RouteTable::from_serverless_yml()?,
        };
        // The access table comes from serverless.yml, as the deployment
        // renders it into check-token's ACCESS_RULES: one table for both.
        let access_json = routes.access_json();
        let env = self.lookup;
        let with_access = |name: &str| if name == ACCESS_RULES { Some(access_json.clone()) } else { env(name) };
        let lookup: &dyn Fn(&str) -> Option<String> = &with_access;
        let has_key = self.es256_key.is_some();
        let authenticate_config = AuthenticateConfig::from_lookup(&|name| authenticate_env(has_key, lookup, name))?;
        let signer = Self::signer(&authenticate_config, self.es256_key.as_ref())?;
        // check-token verifies with exactly what authenticate publishes: with
        // ES256, public keys and no secret, as in the deployment.
        let published = serde_json::to_string(signer.jwks()).map_err(|err| StartupError::Io(err.to_string()))?;
        let public = signer.algorithm() != common::token::Algorithm::Hs256;
        let check_token_env =
            |name: &str| if public && name == JWT_PUBLIC_KEYS { Some(published.clone()) } else { lookup(name) };
        let check_token_config = CheckTokenConfig::from_lookup(&check_token_env)?;
        routes.check_access(&check_token_config.access)?;
        let hello = HelloConfig::from_lookup(lookup)?;
        let users_api_config = UsersApiConfig::from_lookup(lookup)?;
        let mut authorizers = self.authorizers;
        if !authorizers.contains_key("checkToken") {
            authorizers.insert("checkToken".into(), Arc::new(CheckToken(Authorizer::new(&check_token_config)?)));
        }
        let mut functions = HashMap::new();
        let mut validators = HashMap::new();
        for route in &routes.routes {
            let function = Function::by_name(&route.function)
                .ok_or_else(|| StartupError::UnknownFunction(route.function.clone()))?;
            functions.insert(route.function.clone(), function);
            if let Some(spec) = &route.authorizer {
                if !authorizers.contains_key(&spec.function) {
                    return Err(StartupError::UnknownFunction(spec.function.clone()));
                }
                if let Some(expression) = &spec.validation_expression {
                    // Java's matches(), as API Gateway applies it: the whole value.
                    let regex = regex_lite::Regex::new(&format!("^(?:{expression})$"))
                        .map_err(|err| routes::RouteError(format!("identityValidationExpression: {err}")))?;
                    validators.insert(expression.clone(), regex);
                }
            }
        }
        let region = (lookup)("AWS_REGION").filter(|r| !r.is_empty()).unwrap_or_else(|| DEFAULT_REGION.into());
        Ok(Gateway {
            routes,
            api: ApiIdentity::local(region),
            functions,
            authenticate: Authenticate::with_signer(
                &authenticate_config,
                signer,
                Stores::new(self.store.clone(), self.sessions.clone()),
                PasswordHasher::owasp(),
            ),
            users_api: UsersApi::new(&users_api_config, self.store, self.sessions, PasswordHasher::owasp()),
            cors_allow_origin: hello.cors_allow_origin.clone(),
            hello,
            authorizers,
            validators,
            ttl_override: self.ttl_override,
            cache: Mutex::new(cache::AuthorizerCache::new()),
            kind: self.kind,
            http_cache: Mutex::new(cache::AuthorizerCache::new()),
            clock: self.clock,
            invocations: AtomicU64::new(0),
        })
    }
}

/// Why the local API does not run with `JWT_ALGORITHM=RS256`: its key would
/// have to be generated here, and ring (the only crypto crate `common` links)
/// cannot generate RSA keys. RS256 exists for the zero-Lambda deployment,
/// whose stack generates the key; locally ES256 exercises the same
/// public-key paths.
pub fn rs256_is_not_local() -> StartupError {
    StartupError::Config(ConfigError::invalid(
        JWT_ALGORITHM,
        Some("RS256"),
        "RS256 is for deployments whose RSA key the stack generates (the zero-Lambda mode); the local API cannot \
         make one",
        "ES256 or HS256 for the local API",
    ))
}

/// What authenticate reads: with a local ES256 key, JWT_SIGNING_KEY_SECRET
/// only has to be present (the key is in the data folder, not in Secrets Manager).
fn authenticate_env(has_key: bool, lookup: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    match name {
        JWT_SIGNING_KEY_SECRET if has_key => Some("local-api-data-folder".into()),
        _ => lookup(name),
    }
}
