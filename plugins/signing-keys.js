'use strict';

// Serverless Framework plugin (osls / Serverless v3 API): how tokens are
// signed, and the issuer they name.
//
//   custom:
//     jwtAlgorithm: ${param:jwtAlgorithm}                  # HS256 (default), ES256 or RS256
//     jwtPreviousPublicKeys: ${param:jwtPreviousPublicKeys} # rotation: {"keys":[...]}
//     jwtIssuer: ${param:jwtIssuer}                        # '' = the API's base URL
//     tokenAuthorizer: ${param:authorizer}                 # lambda (default) or jwt
//
// Issuer: when jwtIssuer is empty, JWT_ISSUER (authenticate, checkToken) is
// the API's own base URL, https://{api}.execute-api.{region}.{suffix}/{stage}
// for the REST API and without the stage for the HTTP API's $default stage:
// the `iss` that OpenID discovery and JWT authorizers require.
//
// HS256: serverless.yml as written (the HMAC secret in Secrets Manager,
// resolved into the environment of authenticate and checkToken).
//
// ES256: before any command runs (the `initialize` hook, after
// plugins/api-kind.js), the plugin
//   - leaves out the HMAC secrets (resources, parameters, conditions, outputs,
//     and JWT_SECRET / JWT_PREVIOUS_KEYS / JWT_KEY_ID in every environment);
//   - adds an empty secret, JwtSigningKeySecret, and the custom resource
//     JwtSigningKey, a small Node.js function (plugins/signing-key-generator.js,
//     inlined) that generates the P-256 key pair at the first deploy, and a new
//     one whenever jwtKeyId changes, writing it straight to that secret: the
//     private key is never on disk, in the template or in a response;
//   - gives authenticate JWT_ALGORITHM=ES256, JWT_SIGNING_KEY_SECRET (read once
//     at cold start; GetSecretValue on that one secret is added to its role)
//     and JWT_PUBLIC_KEYS (the public keys, to publish); checkToken gets
//     JWT_ALGORITHM=ES256 and JWT_PUBLIC_KEYS only: no secret at all.
// RS256 is the same with a 2048-bit RSA pair.
//
// authorizer=jwt (zero-Lambda: HTTP API and RS256 only, because the HTTP
// API's JWT authorizer accepts RSA signatures only): checkToken is left out
// and API Gateway verifies tokens itself, from the issuer's OpenID discovery
// and JWKS, with the audience; plugins/access-rules.js turns each access rule
// into its route's authorizationScopes (tokens carry their roles in `scope`).

const fs = require('node:fs');
const path = require('node:path');

const ALGORITHMS = ['HS256', 'ES256', 'RS256'];
const AUTHORIZERS = ['lambda', 'jwt'];
const JWT_AUTHORIZER = 'jwt';
const GENERATOR_SOURCE = path.join(__dirname, 'signing-key-generator.js');
// CloudFormation's limit for inline (ZipFile) function code.
const MAX_INLINE_BYTES = 4096;
// What serverless.yml declares for the HMAC secret, left out with ES256.
const HMAC = {
  resources: ['JwtSecret', 'JwtPreviousKeysSecret'],
  parameters: ['JwtSecretArn', 'JwtPreviousKeysSecretArn'],
  conditions: ['CreateJwtSecret', 'CreateJwtPreviousKeysSecret'],
  outputs: ['JwtSecretArn', 'JwtPreviousKeysSecretArn'],
  environment: ['JWT_SECRET', 'JWT_PREVIOUS_KEYS', 'JWT_KEY_ID'],
};
const SIGNER = 'authenticate';
const VERIFIER = 'checkToken';

class SigningKeysPlugin {
  constructor(serverless, options, { log } = {}) {
    this.serverless = serverless;
    this.log = log || { info() {} };
    serverless.configSchemaHandler.defineCustomProperties({
      properties: {
        jwtAlgorithm: { enum: ALGORITHMS },
        jwtPreviousPublicKeys: { type: 'string' },
        jwtIssuer: { type: 'string' },
        tokenAuthorizer: { enum: AUTHORIZERS },
      },
    });
    this.hooks = { initialize: () => this.apply() };
  }

  fail(message) {
    return new this.serverless.classes.Error(`signing keys: ${message}`);
  }

  apply() {
    const service = this.serverless.service;
    const custom = service.custom || {};
    const algorithm = custom.jwtAlgorithm || 'HS256';
    const fail = (message) => this.fail(message);
    if (!ALGORITHMS.includes(algorithm)) {
      throw fail(`jwtAlgorithm "${algorithm}" is not one of ${ALGORITHMS.join(', ')} (--param="jwtAlgorithm=ES256")`);
    }
    const authorizer = custom.tokenAuthorizer || 'lambda';
    if (!AUTHORIZERS.includes(authorizer)) throw fail(`authorizer "${authorizer}" is neither lambda nor jwt`);
    const kind = custom.api || 'rest';
    const issuer = custom.jwtIssuer || apiBaseUrl(kind, service.provider.stage);
    if (!custom.jwtIssuer) setIssuer(service, issuer);
    if (algorithm !== 'HS256') {
      const previous = custom.jwtPreviousPublicKeys || '{"keys":[]}';
      checkPublicKeys(previous, fail, algorithm);
      useKeyPair(service, generatorSource(fail), previous, algorithm);
      this.log.info(`jwtAlgorithm=${algorithm}: the key pair is generated in the stack (JwtSigningKey), no HMAC secret`);
    }
    if (authorizer === 'jwt') {
      if (kind !== 'http' || algorithm !== 'RS256') {
        throw fail('authorizer=jwt (API Gateway\'s JWT authorizer) needs api=http and jwtAlgorithm=RS256: ' +
          'it is an HTTP API feature, and it accepts RSA signatures only');
      }
      useJwtAuthorizer(service, issuer);
      this.log.info('authorizer=jwt: API Gateway verifies tokens itself; no checkToken function');
    }
  }
}

// The API's base URL as a template value; the API does not depend on the
// functions, so their environment may refer to it.
function apiBaseUrl(kind, stage) {
  const host = (api) => ['https://', { Ref: api }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }];
  return kind === 'http'
    ? { 'Fn::Join': ['', host('HttpApi')] }
    : { 'Fn::Join': ['', [...host('ApiGatewayRestApi'), `/${stage}`]] };
}

function setIssuer(service, url) {
  for (const name of [SIGNER, VERIFIER]) {
    const fn = service.getFunction(name);
    fn.environment = { ...fn.environment, JWT_ISSUER: url };
  }
}

// The previous public keys must be public EC keys: a private part ("d") pasted
// here would land in the template.
const PRIVATE_PARTS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];

function checkPublicKeys(text, fail, algorithm = 'ES256') {
  let keys;
  try { ({ keys } = JSON.parse(text)); } catch { keys = undefined; }
  if (!Array.isArray(keys)) throw fail('jwtPreviousPublicKeys is not a JWKS, {"keys":[...]}');
  const shape = algorithm === 'RS256'
    ? (key) => key.kty === 'RSA' && typeof key.n === 'string'
    : (key) => key.kty === 'EC' && key.crv === 'P-256';
  for (const key of keys) {
    if (!key || !shape(key) || typeof key.kid !== 'string' || (key.alg !== undefined && key.alg !== algorithm)) {
      throw fail(`jwtPreviousPublicKeys: every key is an ${algorithm} JWK with a kid (copy it from /.well-known/jwks.json)`);
    }
    const secret = PRIVATE_PARTS.find((part) => part in key);
    if (secret) throw fail(`jwtPreviousPublicKeys: key ${key.kid} holds a private part ("${secret}"): publish public keys only`);
  }
}

// checkToken out, API Gateway's JWT authorizer in, under the name the routes use.
function useJwtAuthorizer(service, issuer) {
  const audience = service.getFunction(SIGNER).environment.JWT_AUDIENCE;
  delete service.functions[VERIFIER];
  const httpApi = service.provider.httpApi;
  httpApi.authorizers = {
    [JWT_AUTHORIZER]: { type: 'jwt', identitySource: '$request.header.Authorization', issuerUrl: issuer, audience: [audience] },
  };
  for (const name of service.getAllFunctions()) {
    for (const event of service.getFunction(name).events || []) {
      if (event.httpApi && event.httpApi.authorizer) event.httpApi.authorizer = { name: JWT_AUTHORIZER };
    }
  }
  const outputs = (service.resources && service.resources.Outputs) || {};
  delete outputs.JwtPublicKeys;
}

function generatorSource(fail) {
  const source = fs.readFileSync(GENERATOR_SOURCE, 'utf8');
  if (Buffer.byteLength(source) > MAX_INLINE_BYTES) {
    throw fail(`${GENERATOR_SOURCE} is over ${MAX_INLINE_BYTES} bytes, CloudFormation's limit for inline code`);
  }
  return source;
}

function useKeyPair(service, source, previousPublicKeys, algorithm) {
  const resources = service.resources || (service.resources = {});
  const own = resources.Resources || (resources.Resources = {});
  for (const id of HMAC.resources) delete own[id];
  for (const id of HMAC.parameters) delete (resources.Parameters || {})[id];
  for (const id of HMAC.conditions) delete (resources.Conditions || {})[id];
  for (const id of HMAC.outputs) delete (resources.Outputs || {})[id];
  for (const section of ['Parameters', 'Conditions']) {
    if (resources[section] && !Object.keys(resources[section]).length) delete resources[section];
  }
  // jwtKeyId, as serverless.yml hands it to checkToken (resolved by now).
  const kid = String((service.getFunction(VERIFIER).environment || {}).JWT_KEY_ID || 'default');
  for (const name of service.getAllFunctions()) {
    const fn = service.getFunction(name);
    for (const variable of HMAC.environment) delete (fn.environment || {})[variable];
  }
  const stack = `${service.service}-${service.provider.stage}`;
  Object.assign(own, keyPairResources(stack, source, { kid, previousPublicKeys, algorithm }, service.provider.architecture));
  const publicKeys = { 'Fn::GetAtt': ['JwtSigningKey', 'Jwks'] };
  const signer = service.getFunction(SIGNER);
  signer.environment = {
    ...signer.environment,
    JWT_ALGORITHM: algorithm,
    JWT_SIGNING_KEY_SECRET: { Ref: 'JwtSigningKeySecret' },
    JWT_PUBLIC_KEYS: publicKeys,
  };
  const verifier = service.getFunction(VERIFIER);
  verifier.environment = { ...verifier.environment, JWT_ALGORITHM: algorithm, JWT_PUBLIC_KEYS: publicKeys };
  const role = own.AuthenticateRole.Properties.Policies[0].PolicyDocument.Statement;
  // The signing key, and nothing else in Secrets Manager: authenticate is the only reader.
  role.push({ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: { Ref: 'JwtSigningKeySecret' } });
  resources.Outputs = {
    ...resources.Outputs,
    JwtSigningKeySecretArn: {
      Description: `Secrets Manager secret holding the ${algorithm} signing key (read by authenticate only)`,
      Value: { Ref: 'JwtSigningKeySecret' },
    },
    JwtPublicKeys: { Description: 'The JWKS that checkToken verifies with', Value: { 'Fn::GetAtt': ['JwtSigningKey', 'Jwks'] } },
  };
}

function keyPairResources(stack, source, { kid, previousPublicKeys, algorithm }, architecture) {
  const generatorName = `${stack}-signing-key`;
  return {
    // Created empty; only the generator writes it.
    JwtSigningKeySecret: {
      Type: 'AWS::SecretsManager::Secret',
      Properties: { Description: `${algorithm} signing key of ${stack}: {"kid","private_key"}, read by authenticate` },
    },
    JwtSigningKeyGeneratorLogGroup: {
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupName: `/aws/lambda/${generatorName}`, RetentionInDays: 14 },
    },
    JwtSigningKeyGeneratorRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        Policies: [{
          PolicyName: 'signing-key',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
                Resource: { Ref: 'JwtSigningKeySecret' },
              },
              {
                Effect: 'Allow',
                Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                Resource: { 'Fn::GetAtt': ['JwtSigningKeyGeneratorLogGroup', 'Arn'] },
              },
            ],
          },
        }],
      },
    },
    JwtSigningKeyGenerator: {
      Type: 'AWS::Lambda::Function',
      DependsOn: ['JwtSigningKeyGeneratorLogGroup'],
      Properties: {
        FunctionName: generatorName,
        Description: `Generates the ${algorithm} signing key into its secret (CloudFormation custom resource)`,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Architectures: [architecture || 'arm64'],
        MemorySize: 128,
        Timeout: 30,
        Role: { 'Fn::GetAtt': ['JwtSigningKeyGeneratorRole', 'Arn'] },
        Code: { ZipFile: source },
      },
    },
    JwtSigningKey: {
      Type: 'Custom::SigningKey',
      Properties: {
        ServiceToken: { 'Fn::GetAtt': ['JwtSigningKeyGenerator', 'Arn'] },
        SecretId: { Ref: 'JwtSigningKeySecret' },
        // A new kid (or algorithm) makes a new key pair; the same kid keeps the key.
        KeyId: kid,
        Algorithm: algorithm,
        PreviousPublicKeys: previousPublicKeys,
      },
    },
  };
}

module.exports = SigningKeysPlugin;
module.exports.apiBaseUrl = apiBaseUrl;
module.exports.checkPublicKeys = checkPublicKeys;
