//! The route table, read from the deployment's own `serverless.yml` so the
//! local API and the deployed one cannot drift: each function's `http` events
//! (path, method, CORS, authorizer), with the `${self:...}` and `${param:...}`
//! references they use resolved as the Serverless Framework would for the
//! default parameters.

use http::{HeaderName, Method};

use common::access::AccessRules;

use crate::paths;
use serde_yaml_ng::Value;

/// The deployment description, compiled in.
pub const SERVERLESS_YML: &str = include_str!("../../serverless.yml");

/// API Gateway's default authorizer cache TTL, also Serverless's default.
pub const DEFAULT_AUTHORIZER_TTL: u64 = 300;

/// Which methods a route answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Methods {
    One(Method),
    /// `method: any`.
    Any,
}

impl Methods {
    pub fn matches(&self, method: &Method) -> bool {
        match self {
            Self::One(one) => one == method,
            Self::Any => true,
        }
    }
}

/// A TOKEN authorizer in front of a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizerSpec {
    /// The function that authorizes (e.g. `checkToken`).
    pub function: String,
    /// The header holding the identity (`method.request.header.Authorization`).
    pub identity_header: HeaderName,
    /// `identityValidationExpression`, if any: a failing identity gets 401
    /// without the authorizer being called.
    pub validation_expression: Option<String>,
    /// `resultTtlInSeconds` (0 = no caching).
    pub ttl_seconds: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// With its leading `/`, e.g. `/hello`.
    pub path: String,
    pub methods: Methods,
    /// The function that handles the route (e.g. `hello`).
    pub function: String,
    /// `cors: true`: API Gateway answers the preflight `OPTIONS`.
    pub cors: bool,
    pub authorizer: Option<AuthorizerSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RouteTable {
    pub routes: Vec<Route>,
    /// `custom.access`: each `"METHOD /path"` and the roles it admits, as written.
    pub access: Vec<(String, Vec<String>)>,
}

/// What API Gateway does with a request, by method and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// The route, and the path parameters its resource path took from the request.
    Route(&'a Route, Vec<(String, String)>),
    /// `OPTIONS` on a CORS-enabled resource: the preflight answer, listing these methods.
    Preflight(Vec<String>),
    /// No such resource or method: 403 "Missing Authentication Token".
    Missing,
}

/// Why `serverless.yml` cannot be turned into a route table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("serverless.yml: {0}")]
pub struct RouteError(pub String);

fn error(message: impl Into<String>) -> RouteError {
    RouteError(message.into())
}

impl RouteTable {
    /// The routes of the compiled-in `serverless.yml`.
    pub fn from_serverless_yml() -> Result<Self, RouteError> {
        Self::parse(SERVERLESS_YML)
    }

    /// Reads the `http` events of every function.
    pub fn parse(yaml: &str) -> Result<Self, RouteError> {
        let root: Value = serde_yaml_ng::from_str(yaml).map_err(|err| error(format!("not valid YAML: {err}")))?;
        let functions = root.get("functions").and_then(Value::as_mapping).ok_or_else(|| error("no functions"))?;
        let mut routes = Vec::new();
        for (name, function) in functions {
            let name = name.as_str().ok_or_else(|| error("a function name is not a string"))?;
            let Some(events) = function.get("events") else { continue };
            let events = events.as_sequence().ok_or_else(|| error(format!("{name}.events is not a list")))?;
            for event in events {
                if let Some(http) = event.get("http") {
                    let route = parse_http_event(&root, name, http)
                        .map_err(|RouteError(why)| error(format!("function {name}: {why}")))?;
                    if routes.iter().any(|r: &Route| r.path == route.path && r.methods == route.methods) {
                        return Err(error(format!("{} {:?} is declared twice", route.path, route.methods)));
                    }
                    routes.push(route);
                }
            }
        }
        Ok(Self { routes, access: parse_access(&root)? })
    }

    /// The access table as the deployment hands it to check-token (`ACCESS_RULES`).
    pub fn access_json(&self) -> String {
        let table: serde_json::Map<String, serde_json::Value> =
            self.access.iter().map(|(route, roles)| (route.clone(), serde_json::json!(roles))).collect();
        serde_json::Value::Object(table).to_string()
    }

    /// What the deploy check also enforces: every route behind an authorizer
    /// has a rule (or it is open to nobody, which is surely a mistake), and
    /// every rule names a route behind an authorizer.
    pub fn check_access(&self, rules: &AccessRules) -> Result<(), RouteError> {
        let guarded: Vec<&Route> = self.routes.iter().filter(|r| r.authorizer.is_some()).collect();
        for route in &guarded {
            let Methods::One(method) = &route.methods else {
                return Err(error(format!(
                    "ANY {} is behind an authorizer: list its methods, one rule each",
                    route.path
                )));
            };
            if rules.rule(method.as_str(), &route.path).is_none() {
                return Err(error(format!(
                    "{method} {} is behind an authorizer but custom.access has no rule for it (open to nobody)",
                    route.path
                )));
            }
        }
        for rule in rules.rules() {
            let method = Method::from_bytes(rule.method.as_bytes()).ok().map(Methods::One);
            if !guarded.iter().any(|r| r.path == rule.path && Some(&r.methods) == method.as_ref()) {
                return Err(error(format!(
                    "custom.access names {}, which is no route behind an authorizer",
                    rule.route_key()
                )));
            }
        }
        Ok(())
    }

    /// How API Gateway resolves a method and path: first the resource (the
    /// most specific resource path that matches), then the method on it.
    pub fn lookup(&self, method: &Method, path: &str) -> Lookup<'_> {
        let resource = self
            .routes
            .iter()
            .filter_map(|r| paths::match_path(&r.path, path).map(|params| (paths::specificity(&r.path), r, params)))
            .max_by(|a, b| a.0.cmp(&b.0));
        let Some((_, resource, params)) = resource else {
            return Lookup::Missing;
        };
        let on_path: Vec<&Route> = self.routes.iter().filter(|r| r.path == resource.path).collect();
        if let Some(route) = on_path.iter().find(|r| r.methods == Methods::One(method.clone())) {
            return Lookup::Route(route, params);
        }
        if method == Method::OPTIONS && on_path.iter().any(|r| r.cors) {
            let mut methods = vec!["OPTIONS".to_string()];
            for route in &on_path {
                match &route.methods {
                    Methods::One(m) => methods.push(m.to_string()),
                    Methods::Any => methods.extend(["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"].map(String::from)),
                }
            }
            methods.sort();
            methods.dedup();
            return Lookup::Preflight(methods);
        }
        match on_path.into_iter().find(|r| r.methods.matches(method)) {
            Some(route) => Lookup::Route(route, params),
            None => Lookup::Missing,
        }
    }

    /// Every function the routes and their authorizers name.
    pub fn functions(&self) -> impl Iterator<Item = &str> {
        self.routes.iter().flat_map(|r| {
            std::iter::once(r.function.as_str()).chain(r.authorizer.as_ref().map(|a| a.function.as_str()))
        })
    }
}

/// `custom.access`, resolved; empty when absent.
fn parse_access(root: &Value) -> Result<Vec<(String, Vec<String>)>, RouteError> {
    let Some(access) = root.get("custom").and_then(|c| c.get("access")) else {
        return Ok(Vec::new());
    };
    let access = resolve(root, access)?;
    let table = access.as_mapping().ok_or_else(|| error("custom.access is not a mapping of routes to roles"))?;
    let mut rules = Vec::with_capacity(table.len());
    for (route, roles) in table {
        let route = route.as_str().ok_or_else(|| error("custom.access: a route is not a string"))?;
        let roles = roles
            .as_sequence()
            .and_then(|list| list.iter().map(|r| r.as_str().map(str::to_string)).collect::<Option<Vec<_>>>())
            .ok_or_else(|| error(format!("custom.access: {route:?} is not given a list of roles")))?;
        rules.push((route.to_string(), roles));
    }
    Ok(rules)
}

fn parse_http_event(root: &Value, function: &str, http: &Value) -> Result<Route, RouteError> {
    let http = resolve(root, http)?;
    // `http: GET hello` is the short form of {method: GET, path: hello}.
    if let Some(short) = http.as_str() {
        let (method, path) = short.split_once(' ').ok_or_else(|| error(format!("cannot read http event {short:?}")))?;
        return Ok(Route {
            path: normalize_path(path.trim()),
            methods: methods(method)?,
            function: function.to_string(),
            cors: false,
            authorizer: None,
        });
    }
    let field =
        |name: &str| -> Result<Option<Value>, RouteError> { http.get(name).map(|v| resolve(root, v)).transpose() };
    let path = field("path")?
        .and_then(|v| v.as_str().map(str::to_string))
        .ok_or_else(|| error("an http event has no path"))?;
    let method = field("method")?
        .and_then(|v| v.as_str().map(str::to_string))
        .ok_or_else(|| error("an http event has no method"))?;
    let cors = match field("cors")? {
        None | Some(Value::Null) => false,
        Some(Value::Bool(on)) => on,
        // A CORS object ({origin, headers, ...}) turns it on; the local API's values come from CORS_ALLOW_ORIGIN.
        Some(Value::Mapping(_)) => true,
        Some(other) => return Err(error(format!("cors is {other:?}, expected true, false or an object"))),
    };
    let authorizer = field("authorizer")?.map(|spec| parse_authorizer(root, &spec)).transpose()?;
    Ok(Route {
        path: normalize_path(&path),
        methods: methods(&method)?,
        function: function.to_string(),
        cors,
        authorizer,
    })
}

fn methods(method: &str) -> Result<Methods, RouteError> {
    if method.eq_ignore_ascii_case("any") {
        return Ok(Methods::Any);
    }
    let upper = method.to_ascii_uppercase();
    Method::from_bytes(upper.as_bytes()).map(Methods::One).map_err(|_| error(format!("unknown method {method:?}")))
}

fn normalize_path(path: &str) -> String {
    format!("/{}", path.trim_matches('/'))
}

fn parse_authorizer(root: &Value, spec: &Value) -> Result<AuthorizerSpec, RouteError> {
    let defaults = |function: &str| AuthorizerSpec {
        function: function.to_string(),
        identity_header: http::header::AUTHORIZATION,
        validation_expression: None,
        ttl_seconds: DEFAULT_AUTHORIZER_TTL,
    };
    // `authorizer: checkToken` names a TOKEN authorizer with every default.
    if let Some(name) = spec.as_str() {
        return Ok(defaults(name));
    }
    let field =
        |name: &str| -> Result<Option<Value>, RouteError> { spec.get(name).map(|v| resolve(root, v)).transpose() };
    let name = field("name")?
        .and_then(|v| v.as_str().map(str::to_string))
        .ok_or_else(|| error("the authorizer has no name (the local API runs only this project's functions)"))?;
    let mut authorizer = defaults(&name);
    if let Some(kind) = field("type")? {
        let kind = kind.as_str().unwrap_or_default().to_ascii_lowercase();
        if kind != "token" {
            return Err(error(format!("authorizer {name}: type {kind:?} is not emulated (only token)")));
        }
    }
    if let Some(source) = field("identitySource")? {
        let source = source.as_str().unwrap_or_default().to_string();
        let header = source
            .strip_prefix("method.request.header.")
            .ok_or_else(|| error(format!("authorizer {name}: identitySource {source:?} is not a request header")))?;
        authorizer.identity_header = HeaderName::from_bytes(header.as_bytes())
            .map_err(|_| error(format!("authorizer {name}: {header:?} is not a header name")))?;
    }
    if let Some(expression) = field("identityValidationExpression")? {
        let expression = expression
            .as_str()
            .ok_or_else(|| error(format!("authorizer {name}: identityValidationExpression is not a string")))?;
        regex_lite::Regex::new(expression)
            .map_err(|err| error(format!("authorizer {name}: identityValidationExpression: {err}")))?;
        authorizer.validation_expression = Some(expression.to_string());
    }
    if let Some(ttl) = field("resultTtlInSeconds")? {
        authorizer.ttl_seconds = match &ttl {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|&ttl| ttl <= 3600)
        .ok_or_else(|| error(format!("authorizer {name}: resultTtlInSeconds {ttl:?} is not 0 to 3600")))?;
    }
    Ok(authorizer)
}

/// Resolves a value that is exactly one variable, `${self:a.b}` or
/// `${param:x}` (from `params.default`), recursively; a variable inside a
/// longer string is replaced by its text. Other sources (`opt:`, `sls:`,
/// `env:`, CloudFormation functions) are deployment-time only and refused.
fn resolve(root: &Value, value: &Value) -> Result<Value, RouteError> {
    resolve_depth(root, value, 0)
}

fn resolve_depth(root: &Value, value: &Value, depth: usize) -> Result<Value, RouteError> {
    if depth > 10 {
        return Err(error("variables nest too deeply (a cycle?)"));
    }
    match value {
        Value::String(text) => {
            let Some(start) = text.find("${") else { return Ok(value.clone()) };
            let end =
                text[start..].find('}').map(|i| start + i).ok_or_else(|| error(format!("unclosed ${{ in {text:?}")))?;
            let resolved = resolve_depth(root, &variable(root, &text[start + 2..end])?, depth + 1)?;
            if start == 0 && end == text.len() - 1 {
                return Ok(resolved);
            }
            let inner = match resolved {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                other => return Err(error(format!("{text:?} embeds a non-scalar value {other:?}"))),
            };
            let replaced = format!("{}{inner}{}", &text[..start], &text[end + 1..]);
            resolve_depth(root, &Value::String(replaced), depth + 1)
        }
        Value::Mapping(map) => {
            let mut out = serde_yaml_ng::Mapping::new();
            for (key, item) in map {
                out.insert(key.clone(), resolve_depth(root, item, depth)?);
            }
            Ok(Value::Mapping(out))
        }
        Value::Sequence(items) => {
            Ok(Value::Sequence(items.iter().map(|item| resolve_depth(root, item, depth)).collect::<Result<_, _>>()?))
        }
        other => Ok(other.clone()),
    }
}

fn variable(root: &Value, reference: &str) -> Result<Value, RouteError> {
    let reference = reference.trim();
    let (source, address) =
        reference.split_once(':').ok_or_else(|| error(format!("cannot resolve ${{{reference}}}")))?;
    let (base, address) = match source {
        "self" => (root, address),
        "param" => (root.get("params").and_then(|p| p.get("default")).unwrap_or(&Value::Null), address),
        _ => return Err(error(format!("cannot resolve ${{{reference}}} locally (only self: and param:)"))),
    };
    address
        .split('.')
        .try_fold(base, |node, key| node.get(key))
        .cloned()
        .ok_or_else(|| error(format!("${{{reference}}} names nothing")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The identity shape API Gateway checks before calling the authorizer.
    const BEARER: &str = "^[Bb][Ee][Aa][Rr][Ee][Rr] [-0-9A-Za-z._~+/]+=*$";

    #[test]
    fn reads_the_routes_of_serverless_yml() {
        let table = RouteTable::from_serverless_yml().unwrap();
        let authenticate = |method: Method, path: &str| Route {
            path: path.into(),
            methods: Methods::One(method),
            function: "authenticate".into(),
            cors: true,
            authorizer: None,
        };
        let hello = Route {
            path: "/hello".into(),
            methods: Methods::One(Method::GET),
            function: "hello".into(),
            cors: true,
            authorizer: Some(AuthorizerSpec {
                function: "checkToken".into(),
                identity_header: http::header::AUTHORIZATION,
                validation_expression: Some(BEARER.into()),
                ttl_seconds: 300,
            }),
        };
        assert_eq!(
            table.routes[..7],
            [
                authenticate(Method::GET, "/authenticate"),
                authenticate(Method::POST, "/authenticate"),
                authenticate(Method::POST, "/token"),
                authenticate(Method::POST, "/revoke"),
                authenticate(Method::GET, "/.well-known/jwks.json"),
                authenticate(Method::GET, "/.well-known/openid-configuration"),
                hello.clone()
            ]
        );
        let management: Vec<(String, &str)> =
            table.routes[7..].iter().map(|r| (format!("{:?} {}", r.methods, r.path), r.function.as_str())).collect();
        assert_eq!(management.len(), 7);
        assert!(management.iter().all(|(_, f)| *f == "usersApi"));
        assert!(table.routes[7..].iter().all(|r| r.authorizer == hello.authorizer && r.cors), "the one authorizer");
    }

    #[test]
    fn the_access_table_of_serverless_yml_covers_its_routes() {
        let table = RouteTable::from_serverless_yml().unwrap();
        let rules = AccessRules::parse(&table.access_json()).unwrap();
        table.check_access(&rules).unwrap();
        assert_eq!(rules.rules().len(), 8);
        let admin = common::access::Allowed::Roles(vec!["admin".into()]);
        assert_eq!(rules.rule("DELETE", "/users/{username}").unwrap().allowed, admin, "the adminRole param, resolved");
        assert_eq!(rules.rule("GET", "/hello").unwrap().allowed, common::access::Allowed::AnyCaller);
    }

    #[test]
    fn the_access_table_must_cover_the_guarded_routes_exactly() {
        let yaml = |access: &str| {
            format!(
                "custom:\n  access:\n{access}functions:\n  f:\n    events:\n      - http: {{ path: a, method: get, authorizer: checkToken }}\n      - http: GET open\n"
            )
        };
        let check = |access: &str| {
            let table = RouteTable::parse(&yaml(access)).unwrap();
            table.check_access(&AccessRules::parse(&table.access_json()).unwrap())
        };
        check("    'GET /a': ['*']\n").unwrap();
        assert!(check("    'GET /b': ['*']\n").unwrap_err().0.contains("GET /a is behind an authorizer"));
        assert!(check("    'GET /a': ['*']\n    'GET /open': ['*']\n").unwrap_err().0.contains("GET /open"));
    }

    #[test]
    fn looks_up_routes_preflights_and_missing_ones() {
        let table = RouteTable::from_serverless_yml().unwrap();
        assert!(matches!(table.lookup(&Method::GET, "/hello"), Lookup::Route(r, _) if r.function == "hello"));
        assert!(
            matches!(table.lookup(&Method::POST, "/authenticate"), Lookup::Route(r, _) if r.function == "authenticate")
        );
        assert_eq!(
            table.lookup(&Method::OPTIONS, "/authenticate"),
            Lookup::Preflight(vec!["GET".into(), "OPTIONS".into(), "POST".into()])
        );
        assert_eq!(table.lookup(&Method::OPTIONS, "/hello"), Lookup::Preflight(vec!["GET".into(), "OPTIONS".into()]));
        assert_eq!(table.lookup(&Method::POST, "/hello"), Lookup::Missing);
        assert_eq!(table.lookup(&Method::DELETE, "/authenticate"), Lookup::Missing);
        assert_eq!(table.lookup(&Method::GET, "/nope"), Lookup::Missing);
        assert_eq!(table.lookup(&Method::GET, "/hello/"), Lookup::Missing);
        assert_eq!(table.lookup(&Method::GET, "/"), Lookup::Missing);
        assert_eq!(table.lookup(&Method::OPTIONS, "/nope"), Lookup::Missing);
    }

    #[test]
    fn the_bearer_expression_matches_what_check_token_accepts() {
        let regex = regex_lite::Regex::new(BEARER).unwrap();
        for ok in ["Bearer abc.def.ghi", "bearer a-b_c.d~e+f/g==", "BEARER x"] {
            assert!(regex.is_match(ok), "{ok}");
        }
        for bad in
            ["Bearer", "Bearer ", "Basic abc", "Bearer  abc", "Bearer a b", "Bearer abc\n", "Token abc", "Bearer a=b"]
        {
            assert!(!regex.is_match(bad), "{bad:?}");
        }
    }

    #[test]
    fn resolves_short_forms_defaults_and_variables() {
        let yaml = r#"
params:
  default:
    ttl: 0
    name: checkToken
custom:
  expr: '^x$'
  prefix: api
  nested: ${self:custom.expr}
functions:
  a:
    events:
      - http: GET ${self:custom.prefix}/one
      - http:
          path: /two/
          method: any
          authorizer: checkToken
      - http:
          path: three
          method: post
          cors: { origin: 'https://example.com' }
          authorizer:
            name: ${param:name}
            identityValidationExpression: ${self:custom.nested}
            identitySource: method.request.header.X-Token
            resultTtlInSeconds: ${param:ttl}
      - schedule: rate(1 minute)
  b:
    handler: b
"#;
        let table = RouteTable::parse(yaml).unwrap();
        assert_eq!(table.routes.len(), 3);
        assert_eq!((table.routes[0].path.as_str(), &table.routes[0].methods), ("/api/one", &Methods::One(Method::GET)));
        assert_eq!(table.routes[1].methods, Methods::Any);
        assert_eq!(table.routes[1].path, "/two");
        assert_eq!(table.routes[1].authorizer.as_ref().unwrap().ttl_seconds, 300);
        let three = &table.routes[2];
        assert!(three.cors);
        let authorizer = three.authorizer.as_ref().unwrap();
        assert_eq!(authorizer.function, "checkToken");
        assert_eq!(authorizer.validation_expression.as_deref(), Some("^x$"));
        assert_eq!(authorizer.identity_header, "x-token");
        assert_eq!(authorizer.ttl_seconds, 0);
        assert!(matches!(table.lookup(&Method::DELETE, "/two"), Lookup::Route(..)));
        assert_eq!(table.functions().collect::<Vec<_>>(), ["a", "a", "checkToken", "a", "checkToken"]);
    }

    #[test]
    fn refuses_what_it_cannot_emulate() {
        let with_http = |http: &str| format!("functions:\n  f:\n    events:\n      - http:\n{http}");
        for http in [
            "          path: x\n          method: get\n          authorizer: { name: a, type: request }\n",
            "          path: x\n          method: get\n          authorizer: { name: a, identitySource: method.request.querystring.t }\n",
            "          path: x\n          method: get\n          authorizer: { name: a, resultTtlInSeconds: 3601 }\n",
            "          path: x\n          method: get\n          authorizer: { name: a, identityValidationExpression: '(' }\n",
            "          path: ${opt:stage}\n          method: get\n",
            "          path: ${self:custom.missing}\n          method: get\n",
            "          method: get\n",
            "          path: x\n",
            "          path: x\n          method: 'not a method'\n",
        ] {
            assert!(RouteTable::parse(&with_http(http)).is_err(), "{http}");
        }
        let twice = "functions:\n  f:\n    events:\n      - http: GET x\n      - http: GET /x\n";
        assert!(RouteTable::parse(twice).is_err());
        assert!(RouteTable::parse("functions: [").is_err());
        let cycle = "custom:\n  a: ${self:custom.b}\n  b: ${self:custom.a}\nfunctions:\n  f:\n    events:\n      - http: GET ${self:custom.a}\n";
        assert!(RouteTable::parse(cycle).is_err());
    }
}
