'use strict';

// Unit tests of plugins/api-kind.js on a stand-in service: what api=http turns
// the http events into, what it leaves out, and what it refuses. With
// plugins/access-rules.js after it, as serverless.yml loads them.

const test = require('node:test');
const assert = require('node:assert/strict');

const ApiKindPlugin = require('../plugins/api-kind.js');
const AccessRulesPlugin = require('../plugins/access-rules.js');

class FrameworkError extends Error {}

const restArn = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'ApiGatewayRestApi' }, '/dev']],
};
const tokenAuthorizer = { name: 'checkToken', type: 'token', identitySource: 'method.request.header.Authorization' };

// A small copy of serverless.yml's shape.
function stack({ api = 'http', httpApi, events, resources, functions: extra = {} } = {}) {
  const functions = {
    checkToken: { handler: 'check-token', environment: { JWT_KEY_ID: 'default', API_GATEWAY_ARN: restArn } },
    hello: {
      handler: 'hello',
      environment: { CORS_ALLOW_ORIGIN: '*' },
      events: events || [{ http: { path: 'hello', method: 'get', cors: true, authorizer: tokenAuthorizer } }],
    },
    authenticate: {
      handler: 'authenticate',
      environment: { USERS_TABLE: { Ref: 'UsersTable' } },
      events: [{ http: { path: 'authenticate', method: 'post', cors: true } }, { schedule: 'rate(1 hour)' }],
    },
    ...extra,
  };
  return {
    classes: { Error: FrameworkError },
    configSchemaHandler: { defineCustomProperties() {} },
    getProvider: () => ({
      naming: {
        getLambdaLogicalId: (name) => `${name[0].toUpperCase()}${name.slice(1)}LambdaFunction`,
        getLogGroupLogicalId: (name) => `${name[0].toUpperCase()}${name.slice(1)}LogGroup`,
      },
    }),
    service: {
      custom: { api, access: { 'GET /hello': ['*'] } },
      provider: {
        environment: { STAGE: 'dev' },
        httpApi: httpApi !== undefined ? httpApi : {
          cors: { allowedOrigins: ['*'] },
          authorizers: { checkToken: { type: 'request', functionName: 'checkToken', enableSimpleResponses: true } },
        },
      },
      functions,
      resources: resources || {
        Resources: {
          UsersTable: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'users' } },
          GatewayResponseDefault4XX: {
            Type: 'AWS::ApiGateway::GatewayResponse',
            Properties: { RestApiId: { Ref: 'ApiGatewayRestApi' }, ResponseType: 'DEFAULT_4XX' },
          },
        },
        extensions: { ApiGatewayMethodHelloGet: { DependsOn: ['GatewayResponseDefault4XX'] } },
        Outputs: { UsersTableName: { Value: { Ref: 'UsersTable' } } },
      },
      getAllFunctions: () => Object.keys(functions),
      getFunction: (name) => {
        if (!functions[name]) throw new Error(`Function "${name}" doesn't exist in this Service`);
        return functions[name];
      },
    },
  };
}

// Runs the `initialize` hook; returns the service and what the plugin logged.
function initialize(serverless) {
  const logged = [];
  const plugin = new ApiKindPlugin(serverless, {}, { log: { info: (m) => logged.push(m) } });
  plugin.hooks.initialize();
  return { service: serverless.service, logged };
}

test('rest (the default): the service stays as written', () => {
  for (const api of ['rest', undefined]) {
    const serverless = stack({ api: 'rest' });
    if (api === undefined) delete serverless.service.custom.api;
    const before = JSON.parse(JSON.stringify(serverless.service));
    const { service, logged } = initialize(serverless);
    assert.deepEqual(JSON.parse(JSON.stringify(service)), before);
    assert.deepEqual(logged, []);
  }
});

test('rest refuses httpApi events: the stack would get both APIs', () => {
  const serverless = stack({ api: 'rest', events: [{ httpApi: 'GET /hello' }] });
  assert.throws(() => initialize(serverless), /function hello has httpApi events, but the API is rest/);
});

test('an unknown kind fails', () => {
  assert.throws(() => initialize(stack({ api: 'websocket' })), /"websocket" is neither rest nor http/);
});

test('http: each http event becomes the httpApi event of the same route', () => {
  const { service, logged } = initialize(stack({
    events: [
      { http: { path: 'hello', method: 'get', cors: true, authorizer: tokenAuthorizer } },
      { http: { path: '/users/{username}/', method: 'patch', authorizer: 'checkToken' } },
      { http: 'GET users' },
      { http: { path: '/', method: 'any' } },
      { sqs: 'arn:aws:sqs:us-east-1:123456789012:queue' },
    ],
  }));
  assert.deepEqual(service.functions.hello.events, [
    { httpApi: { method: 'GET', path: '/hello', authorizer: { name: 'checkToken' } } },
    { httpApi: { method: 'PATCH', path: '/users/{username}', authorizer: { name: 'checkToken' } } },
    { httpApi: { method: 'GET', path: '/users' } },
    { httpApi: { method: 'ANY', path: '/' } },
    { sqs: 'arn:aws:sqs:us-east-1:123456789012:queue' },
  ]);
  assert.deepEqual(service.functions.authenticate.events, [
    { httpApi: { method: 'POST', path: '/authenticate' } },
    { schedule: 'rate(1 hour)' },
  ]);
  assert.match(logged.join('\n'), /api=http: 5 routes on the HTTP API/);
});

test('http: what only the REST API has is left out, and said so', () => {
  const { service, logged } = initialize(stack({
    resources: {
      Resources: {
        UsersTable: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'users' } },
        GatewayResponseDefault4XX: {
          Type: 'AWS::ApiGateway::GatewayResponse',
          Properties: { RestApiId: { Ref: 'ApiGatewayRestApi' } },
        },
        // Refers to osls's REST resources: Fn::Sub, Fn::GetAtt, DependsOn.
        ApiDashboard: { Type: 'AWS::CloudWatch::Dashboard', Properties: { DashboardBody: { 'Fn::Sub': '${ApiGatewayRestApi}' } } },
        RootAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Id: { 'Fn::GetAtt': 'ApiGatewayRestApi.RootResourceId' } } },
        AfterDeployment: { Type: 'AWS::SNS::Topic', DependsOn: ['ApiGatewayDeployment123'] },
        // Refers to a resource that goes: goes too.
        AboutTheResponse: { Type: 'AWS::SSM::Parameter', Properties: { Value: { Ref: 'GatewayResponseDefault4XX' } } },
        // Stays: a function's resources are never REST ones, whatever it is called.
        Keep: { Type: 'AWS::SSM::Parameter', Properties: { Value: { 'Fn::GetAtt': ['ApiGatewayProxyLambdaFunction', 'Arn'] } } },
      },
      extensions: {
        ApiGatewayMethodHelloGet: { DependsOn: ['GatewayResponseDefault4XX'] },
        UsersTable: { DeletionPolicy: 'Retain' },
      },
      Outputs: {
        UsersTableName: { Value: { Ref: 'UsersTable' } },
        RestApiId: { Value: { Ref: 'ApiGatewayRestApi' } },
      },
    },
    functions: { apiGatewayProxy: { handler: 'proxy', environment: { ME: { Ref: 'ApiGatewayProxyLambdaFunction' } } } },
  }));
  assert.deepEqual(Object.keys(service.resources.Resources).sort(), ['Keep', 'UsersTable']);
  assert.deepEqual(service.resources.extensions, { UsersTable: { DeletionPolicy: 'Retain' } });
  assert.deepEqual(Object.keys(service.resources.Outputs), ['UsersTableName']);
  assert.deepEqual(service.functions.checkToken.environment, { JWT_KEY_ID: 'default' });
  assert.deepEqual(service.functions.authenticate.environment, { USERS_TABLE: { Ref: 'UsersTable' } });
  assert.deepEqual(service.functions.apiGatewayProxy.environment, { ME: { Ref: 'ApiGatewayProxyLambdaFunction' } });
  assert.deepEqual(service.provider.environment, { STAGE: 'dev' });
  const line = logged.join('\n');
  for (const item of ['resource GatewayResponseDefault4XX', 'resource ApiDashboard', 'resource RootAlarm',
    'resource AfterDeployment', 'resource AboutTheResponse', 'extension of ApiGatewayMethodHelloGet',
    'output RestApiId', 'environment checkToken.API_GATEWAY_ARN']) {
    assert.ok(line.includes(item), `logged: ${item}`);
  }
  assert.ok(!line.includes('Keep') && !line.includes('UsersTable'), line);
});

test('http: what has no HTTP API counterpart fails, naming the route', () => {
  const event = (http) => stack({ events: [{ http: { path: 'hello', method: 'get', ...http } }] });
  assert.throws(() => initialize(event({ private: true })),
    /GET \/hello \(hello\): the http event's private has no httpApi counterpart/);
  assert.throws(() => initialize(event({ authorizer: { name: 'other' } })),
    /GET \/hello \(hello\) is behind the authorizer "other", which provider.httpApi.authorizers does not define/);
  assert.throws(() => initialize(event({ authorizer: 'arn:aws:lambda:us-east-1:123456789012:function:x' })),
    /is behind the authorizer "arn:aws:lambda/);
  assert.throws(() => initialize(stack({ httpApi: {}, events: [{ http: { path: 'hello', method: 'get', cors: true } }] })),
    /GET \/hello \(hello\) has cors, but provider.httpApi.cors is not set/);
  assert.throws(() => initialize(stack({ httpApi: null, events: [{ http: { path: 'hello', method: 'get', authorizer: 'checkToken' } }] })),
    /GET \/hello \(hello\) is behind the authorizer "checkToken", which provider.httpApi.authorizers does not define/);
});

test('http, then the access rules: the same table guards the httpApi routes', () => {
  const serverless = stack({
    events: [
      { http: { path: 'hello', method: 'get', authorizer: tokenAuthorizer } },
      { http: { path: 'users', method: 'get', authorizer: tokenAuthorizer } },
    ],
  });
  initialize(serverless);
  const access = () => new AccessRulesPlugin(serverless).hooks['before:package:initialize']();
  serverless.service.custom.access = { 'GET /hello': ['*'] };
  assert.throws(access, /GET \/users \(hello\) is behind an authorizer but has no rule/);
  serverless.service.custom.access = { 'GET /hello': ['*'], 'GET /users': ['admin'] };
  access();
  assert.deepEqual(JSON.parse(serverless.service.functions.checkToken.environment.ACCESS_RULES),
    serverless.service.custom.access);
});
