'use strict';

// Checks the CloudFormation template that `serverless package` generated, and
// the zips it points at. Run after packaging (deploy/check.sh does both):
//
//   npx serverless package --stage dev && node --test deploy/
//
// The HTTP API variant (--param="api=http"), which is also compared with the
// REST one (same routes; IAM, tables, functions and the rest identical):
//
//   npx serverless package --stage dev --param="api=http" --package target/serverless-http
//   SLS_PACKAGE_DIR=target/serverless-http EXPECT_API=http node --test deploy/template.test.js
//
// SLS_PACKAGE_DIR: where the package is (default .serverless)
// EXPECT_API: rest (default) or http, the API the package was made for
// SLS_REST_PACKAGE_DIR: with EXPECT_API=http, the REST package to compare with (default .serverless)
// EXPECT_ARCH: arm64 (default) or x86_64
// EXPECT_STAGE: dev (default)

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const packageDir = path.resolve(root, process.env.SLS_PACKAGE_DIR || '.serverless');
const templatePath = path.join(packageDir, 'cloudformation-template-update-stack.json');
const statePath = path.join(packageDir, 'serverless-state.json');
const expectArch = process.env.EXPECT_ARCH || 'arm64';
const expectStage = process.env.EXPECT_STAGE || 'dev';
const expectApi = process.env.EXPECT_API || 'rest';
const expectTtl = Number(process.env.EXPECT_AUTHORIZER_TTL || 300);

if (!fs.existsSync(templatePath)) {
  throw new Error(`${templatePath} not found: run \`npx serverless package\` first (or deploy/check.sh)`);
}
const template = JSON.parse(fs.readFileSync(templatePath, 'utf8'));
const state = JSON.parse(fs.readFileSync(statePath, 'utf8'));
const resources = template.Resources;
const ofType = (type) => Object.entries(resources).filter(([, r]) => r.Type === type);
// Tests of one variant only.
const restTest = (name, fn) => expectApi === 'rest' && test(name, fn);
const httpTest = (name, fn) => expectApi === 'http' && test(name, fn);

const FUNCTIONS = {
  authenticate: { logicalId: 'AuthenticateLambdaFunction', memory: 1024, timeout: 10 },
  checkToken: { logicalId: 'CheckTokenLambdaFunction', memory: 128, timeout: 3 },
  hello: { logicalId: 'HelloLambdaFunction', memory: 128, timeout: 3 },
  usersApi: { logicalId: 'UsersApiLambdaFunction', memory: 1024, timeout: 10 },
};

// The value in serverless.yml's custom section: the single source of truth.
function identityValidationExpressionInServerlessYml() {
  const yml = fs.readFileSync(path.join(root, 'serverless.yml'), 'utf8');
  const match = yml.match(/^ {2}identityValidationExpression: '(.*)'\s*$/m);
  assert.ok(match, 'custom.identityValidationExpression not found in serverless.yml');
  return match[1].replace(/''/g, "'");
}

// Every logical id a value refers to through Ref, Fn::GetAtt or Fn::Sub.
function references(value, out = new Set()) {
  if (Array.isArray(value)) value.forEach((v) => references(v, out));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') out.add(v);
      else if (key === 'Fn::GetAtt') out.add(Array.isArray(v) ? v[0] : String(v).split('.')[0]);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(v) ? v[0] : v;
        for (const m of String(text).matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) out.add(m[1]);
        references(v, out);
      } else references(v, out);
    }
  }
  return out;
}

function dependencies(logicalId) {
  const resource = resources[logicalId];
  const deps = references(resource.Properties || {});
  [].concat(resource.DependsOn || []).forEach((d) => deps.add(d));
  return [...deps].filter((d) => d in resources);
}

// The literal text of an Fn::Join, with each non-literal part as `<ref>`.
function joined(value) {
  assert.ok(value && value['Fn::Join'], `expected an Fn::Join, got ${JSON.stringify(value)}`);
  const [sep, parts] = value['Fn::Join'];
  return parts.map((p) => (typeof p === 'string' ? p : '<ref>')).join(sep);
}

function sha256Base64(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('base64');
}

// Names and unix modes of the entries of a zip, from its central directory.
function zipEntries(file) {
  const buf = fs.readFileSync(file);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, `${file} is not a zip`);
  const count = buf.readUInt16LE(eocd + 10);
  let offset = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i += 1) {
    assert.equal(buf.readUInt32LE(offset), 0x02014b50, `${file}: bad central directory`);
    const nameLength = buf.readUInt16LE(offset + 28);
    const extraLength = buf.readUInt16LE(offset + 30);
    const commentLength = buf.readUInt16LE(offset + 32);
    const mode = buf.readUInt32LE(offset + 38) >>> 16;
    entries.push({ name: buf.toString('utf8', offset + 46, offset + 46 + nameLength), mode });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

test('the functions on provided.al2023 with distinct artifacts matching the built zips', () => {
  const functions = ofType('AWS::Lambda::Function');
  assert.deepEqual(functions.map(([id]) => id).sort(), Object.values(FUNCTIONS).map((f) => f.logicalId).sort());
  const keys = new Set();
  for (const [name, expected] of Object.entries(FUNCTIONS)) {
    const props = resources[expected.logicalId].Properties;
    assert.equal(props.Runtime, 'provided.al2023', name);
    assert.deepEqual(props.Architectures, [expectArch], name);
    assert.equal(props.MemorySize, expected.memory, `${name} memory`);
    assert.equal(props.Timeout, expected.timeout, `${name} timeout`);
    assert.equal(props.LoggingConfig?.LogFormat, 'JSON', `${name} log format`);
    keys.add(props.Code.S3Key);

    const artifact = path.resolve(root, state.service.functions[name].package.artifact);
    assert.ok(fs.existsSync(artifact), `${artifact} exists`);
    assert.equal(path.basename(props.Code.S3Key), path.basename(artifact), `${name} S3 key names its zip`);
    assert.ok(path.basename(artifact).endsWith(`-${expectArch}.zip`), `${artifact} is built for ${expectArch}`);

    const entries = zipEntries(artifact);
    assert.deepEqual(entries.map((e) => e.name), ['bootstrap'], `${name}: the zip holds only bootstrap`);
    assert.ok(entries[0].mode & 0o100, `${name}: bootstrap is executable (mode ${entries[0].mode.toString(8)})`);

    const versions = ofType('AWS::Lambda::Version').filter(([, r]) => r.Properties.FunctionName.Ref === expected.logicalId);
    assert.equal(versions.length, 1, `${name} has one version resource`);
    assert.equal(versions[0][1].Properties.CodeSha256, sha256Base64(artifact), `${name} CodeSha256 is the zip's`);
  }
  assert.equal(keys.size, Object.keys(FUNCTIONS).length, 'each function has its own S3 key');
});

test('log groups keep 14 days', () => {
  const groups = ofType('AWS::Logs::LogGroup');
  assert.equal(groups.length, Object.keys(FUNCTIONS).length);
  for (const [id, group] of groups) assert.equal(group.Properties.RetentionInDays, 14, id);
});

test(`the package is of the ${expectApi} API (custom.api)`, () => {
  assert.ok(['rest', 'http'].includes(expectApi), `EXPECT_API=${expectApi}: rest or http`);
  assert.equal(state.service.custom.api, expectApi);
});

restTest('checkToken is the one TOKEN authorizer, on exactly the routes custom.access lists', () => {
  const authorizers = ofType('AWS::ApiGateway::Authorizer');
  assert.equal(authorizers.length, 1);
  const [authorizerId, authorizer] = authorizers[0];
  const props = authorizer.Properties;
  assert.equal(props.Type, 'TOKEN');
  assert.equal(props.IdentitySource, 'method.request.header.Authorization');
  assert.equal(props.IdentityValidationExpression, identityValidationExpressionInServerlessYml());
  assert.equal(props.AuthorizerResultTtlInSeconds, expectTtl);
  assert.ok(references(props.AuthorizerUri).has('CheckTokenLambdaFunction'), 'authorizer invokes checkToken');

  const methods = Object.fromEntries(ofType('AWS::ApiGateway::Method').map(([id, r]) => [id, r.Properties]));
  // Every method behind the authorizer, as "METHOD /path" (resources resolved through their parents).
  const pathOf = (ref) => {
    if (ref['Fn::GetAtt']) return '';
    const resource = resources[ref.Ref].Properties;
    return `${pathOf(resource.ParentId)}/${resource.PathPart}`;
  };
  const guarded = Object.values(methods)
    .filter((m) => m.AuthorizationType === 'CUSTOM')
    .map((m) => {
      assert.deepEqual(m.AuthorizerId, { Ref: authorizerId });
      return `${m.HttpMethod} ${pathOf(m.ResourceId)}`;
    });
  assert.deepEqual(guarded.sort(), Object.keys(state.service.custom.access).sort());
  assert.equal(methods.ApiGatewayMethodHelloGet.AuthorizationType, 'CUSTOM');
  for (const id of ['ApiGatewayMethodAuthenticateGet', 'ApiGatewayMethodAuthenticatePost',
    'ApiGatewayMethodTokenPost', 'ApiGatewayMethodRevokePost']) {
    assert.ok(methods[id], `${id} exists`);
    assert.equal(methods[id].AuthorizationType, 'NONE', id);
    assert.equal(methods[id].AuthorizerId, undefined, id);
  }
  // CORS preflight for each path (cors: true).
  assert.ok(methods.ApiGatewayMethodAuthenticateOptions && methods.ApiGatewayMethodHelloOptions);
  assert.ok(methods.ApiGatewayMethodTokenOptions && methods.ApiGatewayMethodRevokeOptions);
  assert.ok(methods.ApiGatewayMethodUsersUsernameVarOptions && methods.ApiGatewayMethodMePasswordOptions);
});

test('the users table', () => {
  const table = resources.UsersTable;
  assert.equal(table.Type, 'AWS::DynamoDB::Table');
  assert.equal(table.DeletionPolicy, 'Retain');
  assert.equal(table.UpdateReplacePolicy, 'Retain');
  const p = table.Properties;
  assert.equal(p.BillingMode, 'PAY_PER_REQUEST');
  assert.deepEqual(p.KeySchema, [{ AttributeName: 'username', KeyType: 'HASH' }]);
  assert.deepEqual(p.AttributeDefinitions, [{ AttributeName: 'username', AttributeType: 'S' }]);
  assert.deepEqual(p.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });
  assert.deepEqual(p.SSESpecification, { SSEEnabled: true });
  assert.equal(p.TimeToLiveSpecification, undefined, 'no TTL');
  assert.deepEqual(template.Outputs.UsersTableName.Value, { Ref: 'UsersTable' });
});

test('the sessions table', () => {
  const table = resources.SessionsTable;
  assert.equal(table.Type, 'AWS::DynamoDB::Table');
  // Sessions do not outlive the stack (a later deploy can create the table again).
  assert.equal(table.DeletionPolicy, undefined);
  const p = table.Properties;
  assert.equal(p.BillingMode, 'PAY_PER_REQUEST');
  assert.equal(p.TableName, `jwt-token-service-${expectStage}-sessions`);
  assert.deepEqual(p.KeySchema, [{ AttributeName: 'session_id', KeyType: 'HASH' }]);
  assert.deepEqual(p.AttributeDefinitions, [
    { AttributeName: 'session_id', AttributeType: 'S' },
    { AttributeName: 'username', AttributeType: 'S' },
    { AttributeName: 'created_at_ms', AttributeType: 'N' },
  ]);
  // Every session of a user in one query, as store-dynamodb's BY_USER_INDEX.
  assert.deepEqual(p.GlobalSecondaryIndexes, [{
    IndexName: 'by-user',
    KeySchema: [{ AttributeName: 'username', KeyType: 'HASH' }, { AttributeName: 'created_at_ms', KeyType: 'RANGE' }],
    Projection: { ProjectionType: 'ALL' },
  }]);
  assert.deepEqual(p.TimeToLiveSpecification, { AttributeName: 'expires_at', Enabled: true });
  assert.deepEqual(p.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });
  assert.deepEqual(p.SSESpecification, { SSEEnabled: true });
  assert.deepEqual(template.Outputs.SessionsTableName.Value, { Ref: 'SessionsTable' });
  // The names the store writes (store-dynamodb/src/sessions.rs) are the ones the table is keyed and expired on.
  const store = fs.readFileSync(path.join(root, 'store-dynamodb/src/sessions.rs'), 'utf8');
  for (const [constant, name] of [['SESSION_ID', 'session_id'], ['USERNAME', 'username'],
    ['CREATED_AT_MS', 'created_at_ms'], ['EXPIRES_AT', 'expires_at']]) {
    assert.ok(store.includes(`pub const ${constant}: &str = "${name}";`), `store attribute ${name}`);
  }
  assert.ok(store.includes('pub const BY_USER_INDEX: &str = "by-user";'));
});

test('IAM: least privilege, no wildcard resource or action', () => {
  const allowed = new Set(['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:TagResource', 'logs:PutLogEvents',
    'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan',
    'dynamodb:Query',
    'sts:AssumeRole']);
  const statementsOf = (role) => (role.Properties.Policies || []).flatMap((p) => p.PolicyDocument.Statement);
  assert.equal(ofType('AWS::IAM::Policy').length + ofType('AWS::IAM::ManagedPolicy').length, 0, 'no detached policies');
  for (const [id, role] of ofType('AWS::IAM::Role')) {
    assert.equal(role.Properties.ManagedPolicyArns, undefined, `${id} has no managed policies`);
    for (const s of [...statementsOf(role), ...role.Properties.AssumeRolePolicyDocument.Statement]) {
      for (const action of [].concat(s.Action)) {
        assert.ok(allowed.has(action), `${id}: unexpected action ${action}`);
      }
      for (const resource of [].concat(s.Resource || [])) {
        assert.notEqual(resource, '*', `${id}: resource "*"`);
      }
      assert.equal(s.NotAction, undefined);
      assert.equal(s.NotResource, undefined);
    }
  }

  const roleOf = (fn) => resources[FUNCTIONS[fn].logicalId].Properties.Role['Fn::GetAtt'][0];
  assert.equal(roleOf('authenticate'), 'AuthenticateRole');
  assert.equal(roleOf('checkToken'), 'IamRoleLambdaExecution');
  assert.equal(roleOf('hello'), 'IamRoleLambdaExecution');
  assert.equal(roleOf('usersApi'), 'UsersApiRole');

  // Each role's DynamoDB actions, per resource (table or index), exactly.
  const dynamoOf = (role) => {
    const out = {};
    for (const s of statementsOf(resources[role])) {
      const actions = [].concat(s.Action).filter((a) => a.startsWith('dynamodb:'));
      if (actions.length === 0) continue;
      const key = JSON.stringify(s.Resource);
      out[key] = [...(out[key] || []), ...actions].sort();
    }
    return out;
  };
  const table = (id) => JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] });
  const byUserIndex = JSON.stringify({ 'Fn::Join': ['/', [{ 'Fn::GetAtt': ['SessionsTable', 'Arn'] }, 'index', 'by-user']] });
  const auth = statementsOf(resources.AuthenticateRole);
  // A login writes the user conditionally (the reservation returns it); a
  // refresh reads the user; sessions are started, read and rotated or revoked by key.
  assert.deepEqual(dynamoOf('AuthenticateRole'), {
    [table('UsersTable')]: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    [table('SessionsTable')]: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  });
  const logs = auth.filter((s) => [].concat(s.Action).some((a) => a.startsWith('logs:')));
  assert.deepEqual(logs.map((s) => s.Resource), [{ 'Fn::GetAtt': ['AuthenticateLogGroup', 'Arn'] }]);

  // The management API: what an administrator does to users; ending a user's
  // sessions finds them through the index and deletes them.
  const usersApi = statementsOf(resources.UsersApiRole);
  assert.deepEqual(dynamoOf('UsersApiRole'), {
    [table('UsersTable')]: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan',
      'dynamodb:UpdateItem'],
    [byUserIndex]: ['dynamodb:Query'],
    [table('SessionsTable')]: ['dynamodb:DeleteItem'],
  });
  const usersApiLogs = usersApi.filter((s) => [].concat(s.Action).some((a) => a.startsWith('logs:')));
  assert.deepEqual(usersApiLogs.map((s) => s.Resource), [{ 'Fn::GetAtt': ['UsersApiLogGroup', 'Arn'] }]);

  const shared = statementsOf(resources.IamRoleLambdaExecution);
  assert.ok(shared.length > 0);
  for (const s of shared) {
    for (const a of [].concat(s.Action)) assert.ok(a.startsWith('logs:'), `shared role: only logging, got ${a}`);
  }
});

test('secrets: only dynamic references, generated by Secrets Manager', () => {
  const env = (fn) => resources[FUNCTIONS[fn].logicalId].Properties.Environment.Variables;
  const secretRef = /^\{\{resolve:secretsmanager:<ref>:SecretString\}\}$/;
  for (const fn of ['authenticate', 'checkToken']) {
    assert.match(joined(env(fn).JWT_SECRET), secretRef, `${fn} JWT_SECRET`);
    const [, parts] = env(fn).JWT_SECRET['Fn::Join'];
    assert.deepEqual(parts[1], { 'Fn::If': ['CreateJwtSecret', { Ref: 'JwtSecret' }, { Ref: 'JwtSecretArn' }] });
  }
  assert.match(joined(env('checkToken').JWT_PREVIOUS_KEYS), secretRef);
  assert.equal(env('hello').JWT_SECRET, undefined, 'hello does not get the key');
  assert.equal(env('hello').JWT_PREVIOUS_KEYS, undefined);

  // No JWT_SECRET anywhere as a plain string.
  const walk = (value, visit, at = []) => {
    visit(value, at);
    if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, visit, [...at, k]);
  };
  walk(template, (value, at) => {
    if (at[at.length - 1] === 'JWT_SECRET' || at[at.length - 1] === 'JWT_PREVIOUS_KEYS') {
      assert.equal(typeof value, 'object', `${at.join('.')} must be a dynamic reference`);
    }
  });

  const secret = resources.JwtSecret;
  assert.equal(secret.Type, 'AWS::SecretsManager::Secret');
  assert.equal(secret.Condition, 'CreateJwtSecret');
  assert.equal(secret.Properties.SecretString, undefined, 'no literal secret');
  assert.deepEqual(secret.Properties.GenerateSecretString, { PasswordLength: 64, ExcludePunctuation: true });
  const previous = resources.JwtPreviousKeysSecret;
  assert.equal(previous.Type, 'AWS::SecretsManager::Secret');
  assert.equal(previous.Properties.SecretString, '{}', 'no previous keys: an empty JSON object');
  // By default the stack creates both secrets; a non-empty parameter brings your own.
  assert.deepEqual(template.Conditions.CreateJwtSecret, { 'Fn::Equals': [{ Ref: 'JwtSecretArn' }, ''] });
  assert.deepEqual(template.Conditions.CreateJwtPreviousKeysSecret, { 'Fn::Equals': [{ Ref: 'JwtPreviousKeysSecretArn' }, ''] });
  assert.equal(template.Parameters.JwtSecretArn.Default, process.env.EXPECT_JWT_SECRET_ARN || '');
  assert.equal(template.Parameters.JwtPreviousKeysSecretArn.Default, '');
});

test('environment of each function', () => {
  const env = (fn) => resources[FUNCTIONS[fn].logicalId].Properties.Environment.Variables;
  assert.deepEqual(Object.keys(env('authenticate')).sort(), ['CORS_ALLOW_ORIGIN', 'JWT_AUDIENCE', 'JWT_ISSUER',
    'JWT_KEY_ID', 'JWT_SECRET', 'JWT_TTL', 'LOGIN_LOCKOUT', 'LOGIN_MAX_ATTEMPTS', 'REFRESH_TTL', 'SESSIONS_TABLE',
    'USERS_TABLE']);
  assert.deepEqual(env('authenticate').USERS_TABLE, { Ref: 'UsersTable' });
  assert.deepEqual(env('authenticate').SESSIONS_TABLE, { Ref: 'SessionsTable' });
  assert.equal(env('authenticate').JWT_TTL, '15m');
  assert.equal(env('authenticate').REFRESH_TTL, '30d');
  // API_GATEWAY_ARN only for the REST API's policies: the HTTP API's simple responses name no ARN.
  assert.deepEqual(Object.keys(env('checkToken')).sort(), ['ACCESS_RULES',
    ...(expectApi === 'rest' ? ['API_GATEWAY_ARN'] : []), 'JWT_AUDIENCE',
    'JWT_ISSUER', 'JWT_KEY_ID', 'JWT_LEEWAY', 'JWT_PREVIOUS_KEYS', 'JWT_SECRET']);
  // The access table reaches the authorizer as written in serverless.yml.
  assert.deepEqual(JSON.parse(env('checkToken').ACCESS_RULES), state.service.custom.access);
  assert.ok(Object.keys(state.service.custom.access).length > 0, 'custom.access has rules');
  assert.deepEqual(Object.keys(env('hello')), ['CORS_ALLOW_ORIGIN']);
  assert.deepEqual(Object.keys(env('usersApi')).sort(), ['ADMIN_ROLE', 'CORS_ALLOW_ORIGIN', 'LOGIN_LOCKOUT',
    'LOGIN_MAX_ATTEMPTS', 'SESSIONS_TABLE', 'USERS_TABLE']);
  assert.deepEqual(env('usersApi').SESSIONS_TABLE, { Ref: 'SessionsTable' });
  assert.deepEqual(env('usersApi').USERS_TABLE, { Ref: 'UsersTable' });
  assert.equal(env('usersApi').JWT_SECRET, undefined, 'the management API holds no key');
  assert.equal(env('authenticate').JWT_KEY_ID, env('checkToken').JWT_KEY_ID);
  // Issuer and audience name the stage: a token of another stage is refused even with a shared secret.
  // The issuer is the API's base URL (plugins/signing-keys.js), as OpenID discovery requires.
  assert.equal(env('authenticate').JWT_AUDIENCE, `jwt-token-service-${expectStage}`);
  const api = expectApi === 'rest' ? 'ApiGatewayRestApi' : 'HttpApi';
  const stagePath = expectApi === 'rest' ? `/${expectStage}` : '';
  assert.equal(joined(env('authenticate').JWT_ISSUER), `https://<ref>.execute-api.<ref>.<ref>${stagePath}`);
  assert.deepEqual(env('authenticate').JWT_ISSUER['Fn::Join'][1][1], { Ref: api });
  for (const name of ['JWT_ISSUER', 'JWT_AUDIENCE']) {
    assert.deepEqual(env('checkToken')[name], env('authenticate')[name], `checkToken ${name}`);
  }
});

restTest('checkToken names the REST API stage in its policies (API_GATEWAY_ARN)', () => {
  assert.ok(template.Outputs.ServiceEndpoint, 'ServiceEndpoint output');
  const arn = resources.CheckTokenLambdaFunction.Properties.Environment.Variables.API_GATEWAY_ARN;
  assert.equal(joined(arn), `arn:<ref>:execute-api:<ref>:<ref>:<ref>/${expectStage}`);
  assert.deepEqual(arn['Fn::Join'][1].filter((p) => typeof p !== 'string'),
    [{ Ref: 'AWS::Partition' }, { Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }, { Ref: 'ApiGatewayRestApi' }]);
});

restTest('gateway responses carry CORS headers and are in the first deployment', () => {
  const responses = Object.fromEntries(
    ofType('AWS::ApiGateway::GatewayResponse').map(([id, r]) => [r.Properties.ResponseType, { id, ...r.Properties }])
  );
  for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
    const r = responses[type];
    assert.ok(r, `${type} gateway response`);
    assert.deepEqual(r.RestApiId, { Ref: 'ApiGatewayRestApi' });
    assert.equal(r.ResponseParameters['gatewayresponse.header.Access-Control-Allow-Origin'], "'*'");
    assert.match(r.ResponseParameters['gatewayresponse.header.Access-Control-Allow-Headers'], /Authorization/);
  }
  // The deployment must wait for them (transitively).
  const [[deploymentId]] = ofType('AWS::ApiGateway::Deployment');
  const seen = new Set();
  const visit = (id) => { if (!seen.has(id)) { seen.add(id); dependencies(id).forEach(visit); } };
  visit(deploymentId);
  for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) assert.ok(seen.has(responses[type].id), `deployment waits for ${type}`);
});

test('no circular dependency between resources', () => {
  const state = {};
  const visit = (id, trail) => {
    if (state[id] === 'done') return;
    assert.notEqual(state[id], 'visiting', `cycle: ${[...trail, id].join(' -> ')}`);
    state[id] = 'visiting';
    dependencies(id).forEach((d) => visit(d, [...trail, id]));
    state[id] = 'done';
  };
  Object.keys(resources).forEach((id) => visit(id, []));
});

// ------------------------------------------------------------ the HTTP API variant

// The REST variant's package, to compare with (loaded only for EXPECT_API=http).
function restPackage() {
  const dir = path.resolve(root, process.env.SLS_REST_PACKAGE_DIR || '.serverless');
  const file = path.join(dir, 'cloudformation-template-update-stack.json');
  assert.ok(fs.existsSync(file), `${file} not found: package the REST variant too (deploy/check.sh does)`);
  const restState = JSON.parse(fs.readFileSync(path.join(dir, 'serverless-state.json'), 'utf8'));
  assert.equal(restState.service.custom.api, 'rest', `${dir} holds the REST variant`);
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

// The logical id of the function an integration or permission names (Fn::GetAtt [X, Arn]).
const functionOf = (value) => {
  const ids = [...references(value)].filter((id) => /LambdaFunction$/.test(id));
  assert.equal(ids.length, 1, `one function in ${JSON.stringify(value)}`);
  return ids[0];
};

// Every route of the REST variant: "METHOD /path" -> { authorization, fn }, preflights left out.
function restRoutes(rest) {
  const r = rest.Resources;
  const pathOf = (ref) => (ref['Fn::GetAtt'] ? '' : `${pathOf(r[ref.Ref].Properties.ParentId)}/${r[ref.Ref].Properties.PathPart}`);
  return Object.fromEntries(Object.values(r)
    .filter((x) => x.Type === 'AWS::ApiGateway::Method' && x.Properties.HttpMethod !== 'OPTIONS')
    .map(({ Properties: m }) => [`${m.HttpMethod} ${pathOf(m.ResourceId)}`,
      { authorization: m.AuthorizationType, fn: functionOf(m.Integration.Uri) }]));
}

httpTest('one HTTP API with its own CORS, and nothing of the REST API', () => {
  const apis = ofType('AWS::ApiGatewayV2::Api');
  assert.deepEqual(apis.map(([id]) => id), ['HttpApi']);
  const api = apis[0][1].Properties;
  assert.equal(api.ProtocolType, 'HTTP');
  // corsAllowOrigin, the same param as the functions' CORS_ALLOW_ORIGIN.
  assert.deepEqual(api.CorsConfiguration.AllowOrigins,
    [resources.HelloLambdaFunction.Properties.Environment.Variables.CORS_ALLOW_ORIGIN]);
  assert.deepEqual(api.CorsConfiguration.AllowOrigins, [process.env.EXPECT_CORS_ALLOW_ORIGIN || '*']);
  for (const header of ['Authorization', 'Content-Type']) assert.ok(api.CorsConfiguration.AllowHeaders.includes(header), header);
  const methods = new Set(ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey.split(' ')[0]));
  for (const method of [...methods, 'OPTIONS']) assert.ok(api.CorsConfiguration.AllowMethods.includes(method), method);
  assert.equal(api.CorsConfiguration.AllowCredentials, undefined, 'no credentials (with origin *)');

  const [[, stage]] = ofType('AWS::ApiGatewayV2::Stage');
  assert.deepEqual(stage.Properties.ApiId, { Ref: 'HttpApi' });
  assert.equal(stage.Properties.StageName, '$default');
  assert.equal(stage.Properties.AutoDeploy, true);

  // No REST API, gateway response or anything else of AWS::ApiGateway (v1), and nothing refers to one.
  assert.deepEqual(Object.entries(resources).filter(([, r]) => r.Type.startsWith('AWS::ApiGateway::')).map(([id]) => id), []);
  assert.ok(!JSON.stringify(template).includes('ApiGatewayRestApi'), 'no reference to ApiGatewayRestApi');
  assert.equal(template.Outputs.ServiceEndpoint, undefined);
  assert.ok(template.Outputs.HttpApiUrl, 'HttpApiUrl output (the base URL)');
});

httpTest('checkToken is the one REQUEST authorizer: simple responses, cached per token and route', () => {
  const authorizers = ofType('AWS::ApiGatewayV2::Authorizer');
  assert.equal(authorizers.length, 1);
  const [authorizerId, authorizer] = authorizers[0];
  const props = authorizer.Properties;
  assert.deepEqual(props.ApiId, { Ref: 'HttpApi' });
  assert.equal(props.AuthorizerType, 'REQUEST');
  assert.equal(props.AuthorizerPayloadFormatVersion, '2.0');
  assert.equal(props.EnableSimpleResponses, true);
  // The cache key: a decision cached for one route never answers another.
  assert.deepEqual(props.IdentitySource, ['$request.header.Authorization', '$context.routeKey']);
  assert.equal(props.AuthorizerResultTtlInSeconds, expectTtl);
  assert.equal(functionOf(props.AuthorizerUri), 'CheckTokenLambdaFunction');
  assert.equal(authorizerId, 'HttpApiAuthorizerCheckToken');
  assert.equal(ofType('AWS::ApiGateway::Authorizer').length, 0);
});

httpTest("every route of the REST variant, with the same method, path, function and authorizer", () => {
  const expected = restRoutes(restPackage());
  const integrations = Object.fromEntries(ofType('AWS::ApiGatewayV2::Integration').map(([id, r]) => [id, r.Properties]));
  for (const [id, integration] of Object.entries(integrations)) {
    assert.equal(integration.IntegrationType, 'AWS_PROXY', id);
    assert.equal(integration.PayloadFormatVersion, '2.0', id);
    assert.deepEqual(integration.ApiId, { Ref: 'HttpApi' }, id);
  }
  const routes = Object.fromEntries(ofType('AWS::ApiGatewayV2::Route').map(([, { Properties: r }]) => {
    const [integration] = [...references(r.Target)];
    const authorization = r.AuthorizationType || 'NONE';
    if (authorization === 'CUSTOM') assert.deepEqual(r.AuthorizerId, { Ref: 'HttpApiAuthorizerCheckToken' }, r.RouteKey);
    else assert.equal(r.AuthorizerId, undefined, r.RouteKey);
    return [r.RouteKey, { authorization, fn: functionOf(integrations[integration].IntegrationUri) }];
  }));
  assert.deepEqual(routes, expected);
  const guarded = Object.keys(routes).filter((route) => routes[route].authorization === 'CUSTOM');
  assert.deepEqual(guarded.sort(), Object.keys(state.service.custom.access).sort());
  for (const route of ['GET /authenticate', 'POST /authenticate', 'POST /token', 'POST /revoke']) {
    assert.equal(routes[route]?.authorization, 'NONE', `${route} is public`);
  }
  assert.equal(routes['GET /hello'].authorization, 'CUSTOM');
});

httpTest('API Gateway may invoke the authorizer and each function behind a route, from this API only', () => {
  const permissions = ofType('AWS::Lambda::Permission').map(([, r]) => r.Properties);
  for (const p of permissions) {
    assert.equal(p.Action, 'lambda:InvokeFunction');
    assert.equal(p.Principal, 'apigateway.amazonaws.com');
    assert.ok(references(p.SourceArn).has('HttpApi'), `${JSON.stringify(p.SourceArn)} names the HTTP API`);
    assert.match(joined(p.SourceArn), /^arn:<ref>:execute-api:<ref>:<ref>:<ref>\//);
  }
  const invoked = permissions.map((p) => functionOf(p.FunctionName)).sort();
  assert.deepEqual(invoked, ['AuthenticateLambdaFunction', 'CheckTokenLambdaFunction', 'HelloLambdaFunction',
    'UsersApiLambdaFunction']);
});

httpTest('the rest of the stack is the REST variant\'s: IAM, tables, secrets, functions, parameters', () => {
  const rest = restPackage();
  const apiTypes = /^AWS::(ApiGateway|ApiGatewayV2)::|^AWS::Lambda::(Permission|Version)$/;
  const shared = (t) => Object.keys(t.Resources).filter((id) => !apiTypes.test(t.Resources[id].Type)).sort();
  assert.deepEqual(shared(template), shared(rest));
  // The S3 key names the packaging time; checkToken's API_GATEWAY_ARN is the REST API's;
  // the issuer is each API's own URL (checked in 'environment of each function').
  const comparable = (t, id) => {
    const copy = JSON.parse(JSON.stringify(t.Resources[id]));
    if (copy.Type === 'AWS::Lambda::Function') {
      delete copy.Properties.Code.S3Key;
      delete copy.Properties.Environment.Variables.API_GATEWAY_ARN;
      delete copy.Properties.Environment.Variables.JWT_ISSUER;
    }
    return copy;
  };
  for (const id of shared(template)) assert.deepEqual(comparable(template, id), comparable(rest, id), id);
  for (const type of ['AWS::IAM::Role', 'AWS::DynamoDB::Table', 'AWS::SecretsManager::Secret', 'AWS::Logs::LogGroup']) {
    assert.ok(shared(template).some((id) => template.Resources[id].Type === type), `compared some ${type}`);
  }
  assert.deepEqual(template.Parameters, rest.Parameters);
  assert.deepEqual(template.Conditions, rest.Conditions);
  // One version per function, of the same code.
  const versions = (t) => Object.values(t.Resources).filter((r) => r.Type === 'AWS::Lambda::Version')
    .map((r) => `${r.Properties.FunctionName.Ref} ${r.Properties.CodeSha256}`).sort();
  assert.deepEqual(versions(template), versions(rest));
  const outputs = (t) => Object.keys(t.Outputs).filter((k) => !/^(ServiceEndpoint|HttpApi)/.test(k)).sort();
  assert.deepEqual(outputs(template), outputs(rest));
});
