'use strict';

// Unit tests of plugins/access-rules.js on a stand-in service: what it
// refuses, and what it hands to the authorizer.

const test = require('node:test');
const assert = require('node:assert/strict');

const AccessRulesPlugin = require('../plugins/access-rules.js');

class FrameworkError extends Error {}

function service(access, events) {
  const functions = {
    checkToken: { handler: 'check-token', environment: { JWT_SECRET: 'x' } },
    api: { handler: 'api', events },
  };
  return {
    classes: { Error: FrameworkError },
    configSchemaHandler: { defineCustomProperties() {} },
    service: {
      custom: { access },
      functions,
      getAllFunctions: () => Object.keys(functions),
      getFunction: (name) => functions[name],
    },
  };
}

const guarded = (method, path) => ({ http: { method, path, authorizer: { name: 'checkToken' } } });

function run(access, events) {
  const serverless = service(access, events);
  const plugin = new AccessRulesPlugin(serverless);
  plugin.hooks['before:package:initialize']();
  return serverless.service.functions;
}

test('the table reaches the authorizer, and only the authorizer, as JSON', () => {
  const access = { 'GET /hello': ['*'], 'DELETE /users/{username}': ['admin'] };
  const functions = run(access, [
    guarded('get', 'hello'),
    guarded('delete', '/users/{username}'),
    { http: { method: 'get', path: 'open' } },
  ]);
  assert.deepEqual(JSON.parse(functions.checkToken.environment.ACCESS_RULES), access);
  assert.equal(functions.checkToken.environment.JWT_SECRET, 'x', 'the rest of the environment stays');
  assert.equal(functions.api.environment, undefined);
});

test('a route behind the authorizer without a rule fails', () => {
  assert.throws(() => run({ 'GET /hello': ['*'] }, [guarded('get', 'hello'), guarded('post', 'hello')]),
    /POST \/hello \(api\) is behind an authorizer but has no rule/);
});

test('a rule naming no route behind the authorizer fails', () => {
  assert.throws(() => run({ 'GET /hello': ['*'], 'GET /gone': ['admin'] }, [guarded('get', 'hello')]),
    /"GET \/gone" names no route/);
  assert.throws(() => run({ 'GET /open': ['*'] }, [{ http: { method: 'get', path: 'open' } }]),
    /"GET \/open" names no route/, 'a route without the authorizer needs no rule and takes none');
});

test('malformed rules fail with the rule named', () => {
  for (const [access, message] of [
    [{ 'GET hello': ['*'] }, /"GET hello" is not "METHOD \/path"/],
    [{ 'FETCH /hello': ['*'] }, /"FETCH \/hello"/],
    [{ 'GET /hello': 'admin' }, /must be given a list of roles/],
    [{ 'GET /hello': ['*', 'admin'] }, /list it alone/],
  ]) {
    assert.throws(() => run(access, [guarded('get', 'hello')]), message);
  }
});

test("a parameter's wildcard that would open a narrower route wider fails", () => {
  const events = [guarded('get', 'users/{id}'), guarded('get', 'users/{id}/keys')];
  assert.throws(() => run({ 'GET /users/{id}': ['support'], 'GET /users/{id}/keys': ['admin'] }, events),
    /"GET \/users\/\{id\}" would also open "GET \/users\/\{id\}\/keys"/);
  run({ 'GET /users/{id}': ['admin'], 'GET /users/{id}/keys': ['admin', 'ops'] }, events);
  const literal = [guarded('get', 'users/me'), guarded('get', 'users/{id}')];
  run({ 'GET /users/me': ['*'], 'GET /users/{id}': ['admin'] }, literal);
  assert.throws(() => run({ 'GET /users/me': ['admin'], 'GET /users/{id}': ['*'] }, literal), /would also open/);
});

test('httpApi routes (the HTTP API) are guarded by the function of their authorizer', () => {
  const httpApi = (method, path, authorizer = 'checkToken') => ({ httpApi: { method, path, authorizer: { name: authorizer } } });
  const withAuthorizers = (access, events, authorizers) => {
    const serverless = service(access, events);
    serverless.service.provider = { httpApi: { authorizers } };
    new AccessRulesPlugin(serverless).hooks['before:package:initialize']();
    return serverless.service.functions;
  };
  const lambda = { jwt: { type: 'request', functionName: 'checkToken' } };
  const access = { 'GET /hello': ['*'], 'DELETE /users/{username}': ['admin'] };
  const functions = withAuthorizers(access, [
    httpApi('GET', '/hello', 'jwt'),
    httpApi('DELETE', '/users/{username}', 'jwt'),
    { httpApi: 'GET /open' },
    { httpApi: { method: 'GET', path: '/also-open' } },
  ], lambda);
  assert.deepEqual(JSON.parse(functions.checkToken.environment.ACCESS_RULES), access);

  assert.throws(() => withAuthorizers({ 'GET /hello': ['*'] }, [httpApi('GET', '/hello', 'jwt'),
    httpApi('POST', '/hello', 'jwt')], lambda), /POST \/hello \(api\) is behind an authorizer but has no rule/);
  assert.throws(() => withAuthorizers({ 'GET /hello': ['*'] }, [httpApi('*', '/hello', 'jwt')], lambda),
    /ANY \/hello \(api\) is behind an authorizer: list its methods/);
  assert.throws(() => withAuthorizers({ 'GET /hello': ['*'] }, [httpApi('GET', '/hello', 'nosuch')], lambda),
    /GET \/hello \(api\) is behind the HTTP API authorizer "nosuch", which is not a request authorizer/);
});

test('behind API Gateway\'s JWT authorizer each rule becomes its route\'s authorizationScopes', () => {
  const events = [
    { httpApi: { method: 'GET', path: '/hello', authorizer: { name: 'jwt' } } },
    { httpApi: { method: 'DELETE', path: '/users/{username}', authorizer: { name: 'jwt' } } },
    { httpApi: { method: 'GET', path: '/users', authorizer: 'jwt' } },
  ];
  const serverless = service({ 'GET /hello': ['*'], 'DELETE /users/{username}': ['admin'], 'GET /users': ['admin', 'support'] },
    events);
  serverless.service.provider = { httpApi: { authorizers: { jwt: { type: 'jwt', issuerUrl: 'https://x', audience: ['a'] } } } };
  new AccessRulesPlugin(serverless).hooks['before:package:initialize']();
  const authorizers = serverless.service.functions.api.events.map((e) => e.httpApi.authorizer);
  assert.deepEqual(authorizers, [
    { name: 'jwt' },
    { name: 'jwt', scopes: ['admin'] },
    { name: 'jwt', scopes: ['admin', 'support'] },
  ]);
  // No function decides, so none gets ACCESS_RULES.
  for (const fn of Object.values(serverless.service.functions)) {
    assert.equal((fn.environment || {}).ACCESS_RULES, undefined);
  }
  // The table must still cover every route.
  const uncovered = service({ 'GET /hello': ['*'] }, [events[0], events[1]]);
  uncovered.service.provider = serverless.service.provider;
  assert.throws(() => new AccessRulesPlugin(uncovered).hooks['before:package:initialize'](), /has no rule/);
});
