'use strict';

// The templates of the key-pair variants: ES256 (--param="jwtAlgorithm=ES256")
// and the zero-Lambda one (--param="api=http" --param="jwtAlgorithm=RS256"
// --param="authorizer=jwt"). No private key and no HMAC secret anywhere in
// them, checkToken (if any) with public keys only, authenticate the only
// function that can read the signing key; with authorizer=jwt, API Gateway's
// JWT authorizer in checkToken's place, its scopes the access table's.
// deploy/check.sh packages both variants and runs this file on each:
//
//   npx serverless package --stage dev --param="jwtAlgorithm=ES256" --package target/serverless-es256
//   SLS_PACKAGE_DIR=target/serverless-es256 node --test deploy/keypair-template.check.js
//   SLS_PACKAGE_DIR=target/serverless-jwt EXPECT_ALG=RS256 EXPECT_AUTHORIZER=jwt node --test deploy/keypair-template.check.js

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const packageDir = path.resolve(root, process.env.SLS_PACKAGE_DIR || 'target/serverless-es256');
const templatePath = path.join(packageDir, 'cloudformation-template-update-stack.json');
if (!fs.existsSync(templatePath)) {
  throw new Error(`${templatePath} not found: package the variant first (deploy/check.sh does)`);
}
const expectAlg = process.env.EXPECT_ALG || 'ES256';
const zeroLambda = process.env.EXPECT_AUTHORIZER === 'jwt';
const text = fs.readFileSync(templatePath, 'utf8');
const state = JSON.parse(fs.readFileSync(path.join(packageDir, 'serverless-state.json'), 'utf8'));
const template = JSON.parse(text);
const resources = template.Resources;
const env = (id) => resources[id].Properties.Environment.Variables;
const FUNCTIONS = ['AuthenticateLambdaFunction', 'HelloLambdaFunction', 'UsersApiLambdaFunction',
  ...(zeroLambda ? [] : ['CheckTokenLambdaFunction'])];

test('no private key and no HMAC secret in the template', () => {
  assert.doesNotMatch(text, /PRIVATE KEY|"d"\s*:/, 'no key material');
  for (const id of ['JwtSecret', 'JwtPreviousKeysSecret']) assert.equal(resources[id], undefined, id);
  assert.equal((template.Parameters || {}).JwtSecretArn, undefined);
  assert.equal(template.Outputs.JwtSecretArn, undefined);
  for (const id of FUNCTIONS) {
    for (const variable of ['JWT_SECRET', 'JWT_PREVIOUS_KEYS']) {
      assert.equal(env(id)[variable], undefined, `${id} ${variable}`);
    }
    // Nothing resolved from Secrets Manager into any environment.
    assert.doesNotMatch(JSON.stringify(env(id)), /resolve:secretsmanager/, id);
  }
});

test('checkToken verifies with the public keys only; authenticate reads the key at start-up', () => {
  const jwks = { 'Fn::GetAtt': ['JwtSigningKey', 'Jwks'] };
  if (zeroLambda) {
    assert.equal(resources.CheckTokenLambdaFunction, undefined, 'no authorizer function');
  } else {
    const checkToken = env('CheckTokenLambdaFunction');
    assert.equal(checkToken.JWT_ALGORITHM, expectAlg);
    assert.deepEqual(checkToken.JWT_PUBLIC_KEYS, jwks);
    assert.equal(checkToken.JWT_SIGNING_KEY_SECRET, undefined);
  }
  const authenticate = env('AuthenticateLambdaFunction');
  assert.equal(authenticate.JWT_ALGORITHM, expectAlg);
  assert.deepEqual(authenticate.JWT_SIGNING_KEY_SECRET, { Ref: 'JwtSigningKeySecret' });
  assert.deepEqual(authenticate.JWT_PUBLIC_KEYS, jwks);
  assert.deepEqual(Object.keys(env('HelloLambdaFunction')), ['CORS_ALLOW_ORIGIN']);
  assert.equal(env('UsersApiLambdaFunction').JWT_SIGNING_KEY_SECRET, undefined);
});

test('only authenticate (and the generator, which writes it) may touch the signing key', () => {
  const secretStatements = [];
  for (const [id, r] of Object.entries(resources)) {
    const policies = r.Type === 'AWS::IAM::Role' ? r.Properties.Policies || []
      : r.Type === 'AWS::IAM::Policy' ? [r.Properties] : [];
    for (const policy of policies) {
      for (const s of [].concat(policy.PolicyDocument.Statement)) {
        const actions = [].concat(s.Action);
        assert.ok(!actions.some((a) => a === '*' || a === 'secretsmanager:*'), `${id}: no wildcard action`);
        if (actions.some((a) => a.startsWith('secretsmanager:'))) secretStatements.push({ id, actions, resource: s.Resource });
      }
    }
    assert.notEqual(r.Type, 'AWS::SecretsManager::ResourcePolicy', 'no resource policy opening the secret');
  }
  assert.deepEqual(secretStatements, [
    { id: 'AuthenticateRole', actions: ['secretsmanager:GetSecretValue'], resource: { Ref: 'JwtSigningKeySecret' } },
    {
      id: 'JwtSigningKeyGeneratorRole',
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
      resource: { Ref: 'JwtSigningKeySecret' },
    },
  ]);
  assert.deepEqual(resources.AuthenticateLambdaFunction.Properties.Role, { 'Fn::GetAtt': ['AuthenticateRole', 'Arn'] });
  // The functions of the shared role (checkToken, hello) get logging only.
  for (const id of zeroLambda ? ['HelloLambdaFunction'] : ['CheckTokenLambdaFunction', 'HelloLambdaFunction']) {
    assert.deepEqual(resources[id].Properties.Role, { 'Fn::GetAtt': ['IamRoleLambdaExecution', 'Arn'] }, id);
  }
});

test('the key is generated by the stack: an empty secret, the inline generator, the custom resource', () => {
  const secret = resources.JwtSigningKeySecret;
  assert.equal(secret.Type, 'AWS::SecretsManager::Secret');
  assert.equal(secret.Properties.SecretString, undefined, 'created empty');
  assert.equal(secret.Properties.GenerateSecretString, undefined, 'created empty');
  const generator = resources.JwtSigningKeyGenerator;
  assert.equal(generator.Properties.Code.ZipFile,
    fs.readFileSync(path.join(root, 'plugins/signing-key-generator.js'), 'utf8'));
  assert.ok(Buffer.byteLength(generator.Properties.Code.ZipFile) <= 4096, 'within the inline code limit');
  assert.match(generator.Properties.Runtime, /^nodejs\d+\.x$/);
  const key = resources.JwtSigningKey;
  assert.equal(key.Type, 'Custom::SigningKey');
  assert.deepEqual(key.Properties.ServiceToken, { 'Fn::GetAtt': ['JwtSigningKeyGenerator', 'Arn'] });
  assert.deepEqual(key.Properties.SecretId, { Ref: 'JwtSigningKeySecret' });
  assert.equal(key.Properties.KeyId, 'default', 'jwtKeyId');
  assert.equal(key.Properties.Algorithm, expectAlg);
  assert.equal(key.Properties.PreviousPublicKeys, '{"keys":[]}');
  if (!zeroLambda) assert.deepEqual(template.Outputs.JwtPublicKeys.Value, { 'Fn::GetAtt': ['JwtSigningKey', 'Jwks'] });
});

// Tests of one variant only.
const zeroLambdaTest = (name, fn) => zeroLambda && test(name, fn);
const lambdaTest = (name, fn) => !zeroLambda && test(name, fn);

zeroLambdaTest('zero-Lambda: API Gateway\'s JWT authorizer, configured from our issuer and audience, scopes from the access table',
  () => {
    const authorizers = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Authorizer');
    assert.equal(authorizers.length, 1);
    const [{ Properties: jwt }] = authorizers;
    assert.equal(jwt.AuthorizerType, 'JWT');
    assert.deepEqual(jwt.IdentitySource, ['$request.header.Authorization']);
    const authenticate = env('AuthenticateLambdaFunction');
    assert.deepEqual(jwt.JwtConfiguration.Issuer, authenticate.JWT_ISSUER, 'the issuer of our tokens and discovery');
    assert.deepEqual(jwt.JwtConfiguration.Audience, [authenticate.JWT_AUDIENCE]);
    const access = state.service.custom.access;
    const routes = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route').map((r) => r.Properties);
    for (const route of routes) {
      const rule = access[route.RouteKey];
      if (!rule) {
        assert.equal(route.AuthorizationType, undefined, `${route.RouteKey} is public`);
        continue;
      }
      assert.equal(route.AuthorizationType, 'JWT', route.RouteKey);
      assert.deepEqual(route.AuthorizationScopes, rule.includes('*') ? undefined : rule, route.RouteKey);
    }
    assert.equal(routes.filter((r) => r.AuthorizationType === 'JWT').length, Object.keys(access).length);
  });

lambdaTest('discovery routes are public', () => {
  const methods = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGateway::Method');
  const resourcePaths = Object.fromEntries(Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::ApiGateway::Resource').map(([id, r]) => [id, r.Properties.PathPart]));
  const wellKnown = methods.filter((m) => m.Properties.HttpMethod === 'GET' &&
    ['jwks.json', 'openid-configuration'].includes(resourcePaths[m.Properties.ResourceId.Ref]));
  assert.equal(wellKnown.length, 2);
  for (const m of wellKnown) assert.equal(m.Properties.AuthorizationType, 'NONE');
});
