'use strict';

// Serverless Framework plugin (osls / Serverless v3 API): the access table.
//
//   custom:
//     access:
//       'GET /hello': ['*']            # any caller with a valid token
//       'GET /users': [admin]          # callers with the role admin
//
// At package and deploy time it checks the table against the routes, and
// hands it to every function that serves as an authorizer, as the JSON
// environment variable ACCESS_RULES (check-token turns it into the policy
// of each token; the local API reads the same table from this file), or,
// behind API Gateway's JWT authorizer (HTTP API, authorizer=jwt), makes each
// rule its route's authorizationScopes:
//   - every route behind an authorizer (an `http` event of the REST API, or an
//     `httpApi` event of the HTTP API, plugins/api-kind.js) has a rule: one
//     without would be open to nobody, which is surely a mistake;
//   - every rule names such a route;
//   - no rule's method ARN pattern opens another route to roles that route's
//     own rule does not admit (IAM's '*', which stands for a path parameter,
//     also spans '/': a rule for GET /users/{id} covers GET /users/{id}/keys).
// Any of these fails the command before anything is built or uploaded.

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const ANY_CALLER = '*';

class AccessRulesPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    serverless.configSchemaHandler.defineCustomProperties({
      properties: {
        access: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
      },
    });
    const apply = () => this.apply();
    this.hooks = {
      'before:package:initialize': apply,
      'before:deploy:function:initialize': apply,
    };
  }

  fail(message) {
    return new this.serverless.classes.Error(`custom.access: ${message}`);
  }

  apply() {
    const service = this.serverless.service;
    const table = (service.custom && service.custom.access) || {};
    const rules = parseRules(table, (message) => this.fail(message));
    const routes = guardedRoutes(service, (message) => this.fail(message));
    checkCoverage(rules, routes, (message) => this.fail(message));
    checkOverlaps(rules, (message) => this.fail(message));
    const json = JSON.stringify(table);
    for (const route of routes.filter((r) => r.jwt)) {
      const rule = rules.find((r) => r.method === route.method && r.path === route.path);
      // Tokens carry their roles in `scope` (space-separated); a route admits a
      // token holding any of its scopes, as a rule admits any of its roles.
      // '*' (any signed-in caller): no scopes, a valid token is enough.
      const name = typeof route.jwt.authorizer === 'string' ? route.jwt.authorizer : route.jwt.authorizer.name;
      route.jwt.authorizer = rule.roles.includes(ANY_CALLER) ? { name } : { name, scopes: [...rule.roles] };
    }
    for (const name of new Set(routes.filter((r) => !r.jwt).map((route) => route.authorizer))) {
      const fn = service.getFunction(name);
      fn.environment = { ...fn.environment, ACCESS_RULES: json };
    }
  }
}

// [{ key, method, path, roles, pattern }], validated.
function parseRules(table, fail) {
  return Object.entries(table).map(([key, roles]) => {
    const [method, path, extra] = key.split(' ');
    if (!METHODS.includes(method) || !path || extra !== undefined || !path.startsWith('/')) {
      throw fail(`"${key}" is not "METHOD /path" with one of ${METHODS.join(', ')}`);
    }
    if (!Array.isArray(roles) || roles.some((role) => typeof role !== 'string')) {
      throw fail(`"${key}" must be given a list of roles`);
    }
    if (roles.includes(ANY_CALLER) && roles.length > 1) {
      throw fail(`"${key}": '*' already admits every signed-in caller: list it alone`);
    }
    const arnPath = path.slice(1).split('/').map((s) => (s.startsWith('{') ? '*' : s)).join('/');
    return { key, method, path, roles, pattern: `${method}/${arnPath}` };
  });
}

// Every route behind an authorizer: [{ method, path, authorizer, fn }], where
// authorizer is the function that decides. `http` events (REST API) name the
// authorizer function; `httpApi` events (HTTP API, see plugins/api-kind.js)
// name an authorizer of provider.httpApi.authorizers, whose functionName it is.
function guardedRoutes(service, fail) {
  const httpApiAuthorizers = (service.provider && service.provider.httpApi && service.provider.httpApi.authorizers) || {};
  const routes = [];
  for (const name of service.getAllFunctions()) {
    for (const event of service.getFunction(name).events || []) {
      const http = event.http || event.httpApi;
      if (!http || typeof http !== 'object' || !http.authorizer) continue;
      const method = String(http.method || '*').toUpperCase();
      const path = `/${String(http.path).replace(/^\/+|\/+$/g, '')}`;
      const route = { method: method === '*' ? 'ANY' : method, path, fn: name };
      const authorizer = typeof http.authorizer === 'string' ? http.authorizer : http.authorizer.name;
      if (event.http) {
        route.authorizer = authorizer;
      } else if (httpApiAuthorizers[authorizer] && httpApiAuthorizers[authorizer].type === 'jwt') {
        // API Gateway's own JWT authorizer (plugins/signing-keys.js, authorizer=jwt):
        // no function decides; the rule becomes the route's authorizationScopes.
        route.jwt = http;
      } else {
        const config = httpApiAuthorizers[authorizer];
        if (!config || config.type !== 'request' || !config.functionName) {
          throw fail(`${route.method} ${route.path} (${name}) is behind the HTTP API authorizer "${authorizer}", ` +
            'which is not a request authorizer of a function of this service (provider.httpApi.authorizers)');
        }
        route.authorizer = config.functionName;
      }
      routes.push(route);
    }
  }
  return routes;
}

function checkCoverage(rules, routes, fail) {
  for (const route of routes) {
    if (route.method === 'ANY') throw fail(`ANY ${route.path} (${route.fn}) is behind an authorizer: list its methods`);
    if (!rules.some((rule) => rule.method === route.method && rule.path === route.path)) {
      throw fail(`${route.method} ${route.path} (${route.fn}) is behind an authorizer but has no rule (open to nobody)`);
    }
  }
  for (const rule of rules) {
    if (!routes.some((route) => rule.method === route.method && rule.path === route.path)) {
      throw fail(`"${rule.key}" names no route behind an authorizer`);
    }
  }
}

// IAM wildcards: '*' any run of characters, '/' included.
function wildcardMatch(pattern, value) {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 's').test(value);
}

function admitsAtMost(wide, narrow) {
  if (narrow.includes(ANY_CALLER)) return true;
  if (wide.includes(ANY_CALLER)) return false;
  return wide.every((role) => narrow.includes(role));
}

function checkOverlaps(rules, fail) {
  for (const wide of rules) {
    for (const narrow of rules) {
      if (wide === narrow) continue;
      // A concrete request of the narrow route: each parameter a value no literal can equal.
      const sample = `${narrow.method}/${narrow.path.slice(1).split('/').map((s) => (s.startsWith('{') ? '\u0001' : s)).join('/')}`;
      if (wildcardMatch(wide.pattern, sample) && !admitsAtMost(wide.roles, narrow.roles)) {
        throw fail(
          `"${wide.key}" would also open "${narrow.key}" (IAM's '*' spans '/') to roles its rule does not ` +
            `admit: give "${narrow.key}" at least the roles of "${wide.key}"`
        );
      }
    }
  }
}

module.exports = AccessRulesPlugin;
module.exports.parseRules = parseRules;
module.exports.checkOverlaps = checkOverlaps;
