'use strict';

// The ES256 key generator (plugins/signing-key-generator.js), run as
// CloudFormation runs it, with Secrets Manager and the response URL stood in
// for: what it writes, what it answers, and that no answer holds the key.
//
//   node --test deploy/signing-key-generator.test.js

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');

const { handler, publicJwk } = require('../plugins/signing-key-generator.js');
const { checkPublicKeys } = require('../plugins/signing-keys.js');

// Secrets Manager as the generator sees it: one secret, no value at first.
function fakeSecrets(initial) {
  const calls = [];
  let value = initial;
  return {
    calls,
    value: () => value,
    client: {
      async get(id) { calls.push(['get', id]); return value; },
      async put(id, text) { calls.push(['put', id]); value = text; },
    },
  };
}

async function run(requestType, properties, secrets, extra = {}) {
  const responses = [];
  const event = {
    RequestType: requestType,
    ResponseURL: 'https://cloudformation-custom-resource-response.example/x',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/1',
    RequestId: 'r-1',
    LogicalResourceId: 'JwtSigningKey',
    ResourceProperties: { SecretId: 'arn:secret:key', KeyId: 'k1', ...properties },
    ...extra,
  };
  await handler(event, {}, { client: secrets.client, respond: async (url, body) => responses.push({ url, body }) });
  assert.equal(responses.length, 1, 'one answer to CloudFormation');
  assert.equal(responses[0].url, event.ResponseURL);
  assert.doesNotMatch(JSON.stringify(responses[0].body), /PRIVATE KEY|"d":/, 'no answer holds a private key');
  return responses[0].body;
}

// A signature by the stored private key verifies with the answered public JWK.
function assertPair(secretText, jwk) {
  const { private_key: pem } = JSON.parse(secretText);
  const signature = crypto.sign('sha256', Buffer.from('signing input'), { key: pem, dsaEncoding: 'ieee-p1363' });
  const publicKey = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  assert.ok(crypto.verify('sha256', Buffer.from('signing input'), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature));
}

test('create: a new P-256 key pair goes to the secret, the public JWKS to CloudFormation', async () => {
  const secrets = fakeSecrets(undefined);
  const answer = await run('Create', {}, secrets);
  assert.equal(answer.Status, 'SUCCESS');
  assert.equal(answer.PhysicalResourceId, 'JwtSigningKey');
  assert.deepEqual([answer.StackId, answer.RequestId, answer.LogicalResourceId],
    ['arn:aws:cloudformation:us-east-1:123456789012:stack/s/1', 'r-1', 'JwtSigningKey']);
  const stored = JSON.parse(secrets.value());
  assert.deepEqual(Object.keys(stored).sort(), ['kid', 'private_key']);
  assert.equal(stored.kid, 'k1');
  assert.match(stored.private_key, /^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/, 'PKCS#8 PEM');
  const { keys } = JSON.parse(answer.Data.Jwks);
  assert.equal(answer.Data.Kid, 'k1');
  assert.equal(keys.length, 1);
  assert.deepEqual(Object.keys(keys[0]), ['kty', 'crv', 'x', 'y', 'kid', 'alg', 'use']);
  assert.deepEqual([keys[0].kty, keys[0].crv, keys[0].kid, keys[0].alg, keys[0].use], ['EC', 'P-256', 'k1', 'ES256', 'sig']);
  assertPair(secrets.value(), keys[0]);
});

test('update with the same kid keeps the key; a new kid makes a new one, the previous keys follow it', async () => {
  const secrets = fakeSecrets(undefined);
  const first = JSON.parse((await run('Create', {}, secrets)).Data.Jwks).keys[0];
  const before = secrets.value();

  const same = await run('Update', {}, secrets, { PhysicalResourceId: 'JwtSigningKey' });
  assert.equal(secrets.value(), before, 'the same kid: the secret is not rewritten');
  assert.deepEqual(JSON.parse(same.Data.Jwks).keys, [first]);
  assert.deepEqual(secrets.calls.filter(([call]) => call === 'put').length, 1);

  const previous = JSON.stringify({ keys: [first] });
  const rotated = await run('Update', { KeyId: 'k2', PreviousPublicKeys: previous }, secrets,
    { PhysicalResourceId: 'JwtSigningKey' });
  assert.equal(rotated.PhysicalResourceId, 'JwtSigningKey', 'same resource: CloudFormation deletes nothing');
  const { keys } = JSON.parse(rotated.Data.Jwks);
  assert.deepEqual(keys.map((k) => k.kid), ['k2', 'k1'], 'the new key first, then the previous ones');
  assert.notEqual(keys[0].x, first.x);
  assert.equal(JSON.parse(secrets.value()).kid, 'k2');
  assertPair(secrets.value(), keys[0]);
});

test('delete touches nothing (the secret is its own resource)', async () => {
  const secrets = fakeSecrets('{"kid":"k1","private_key":"x"}');
  const answer = await run('Delete', {}, secrets, { PhysicalResourceId: 'JwtSigningKey' });
  assert.equal(answer.Status, 'SUCCESS');
  assert.deepEqual(secrets.calls, []);
});

test('failures are FAILED with a reason, and never quote the key', async () => {
  const cases = [
    [{ KeyId: 'bad kid!' }, undefined, /KeyId "bad kid!"/],
    [{ PreviousPublicKeys: 'nope' }, undefined, /PreviousPublicKeys is not a JWKS/],
    [{ PreviousPublicKeys: '{"keys":[{"kty":"EC","alg":"ES256","kid":"x","d":"secret"}]}' }, undefined, /PreviousPublicKeys/],
    [{}, 'not json', /does not hold/],
  ];
  for (const [properties, stored, reason] of cases) {
    const answer = await run('Create', properties, fakeSecrets(stored));
    assert.equal(answer.Status, 'FAILED');
    assert.match(answer.Reason, reason);
    assert.equal(answer.Data, undefined);
  }
  // Secrets Manager refusing (permissions, throttling): FAILED too, not a hung stack.
  const broken = { client: { get: async () => { throw new Error('AccessDenied'); }, put: async () => {} } };
  const answer = await run('Create', {}, broken);
  assert.equal(answer.Status, 'FAILED');
  assert.match(answer.Reason, /AccessDenied/);
});

test('the public JWK of a PEM key is the one node derives', () => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  const expected = publicKey.export({ format: 'jwk' });
  const jwk = publicJwk({ kid: 'k', private_key: pem });
  assert.deepEqual([jwk.x, jwk.y], [expected.x, expected.y]);
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaJwk = publicJwk({ kid: 'r', private_key: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) });
  const rsaExpected = rsa.publicKey.export({ format: 'jwk' });
  assert.deepEqual(rsaJwk, { kty: 'RSA', n: rsaExpected.n, e: rsaExpected.e, kid: 'r', alg: 'RS256', use: 'sig' });
  const ed = crypto.generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
  assert.throws(() => publicJwk({ kid: 'x', private_key: ed }), /neither P-256 nor RSA/);
});

test('RS256 (the zero-Lambda mode): a 2048-bit RSA pair; switching algorithm makes a new pair', async () => {
  const secrets = fakeSecrets(undefined);
  const es256 = JSON.parse((await run('Create', {}, secrets)).Data.Jwks).keys[0];
  assert.equal(es256.alg, 'ES256');
  const answer = await run('Update', { Algorithm: 'RS256' }, secrets, { PhysicalResourceId: 'JwtSigningKey' });
  assert.equal(answer.Status, 'SUCCESS');
  const { keys } = JSON.parse(answer.Data.Jwks);
  assert.deepEqual(Object.keys(keys[0]), ['kty', 'n', 'e', 'kid', 'alg', 'use']);
  assert.deepEqual([keys[0].kty, keys[0].kid, keys[0].alg, keys[0].e], ['RSA', 'k1', 'RS256', 'AQAB']);
  assert.equal(Buffer.from(keys[0].n, 'base64url').length, 256, '2048 bits');
  const { private_key: pem } = JSON.parse(secrets.value());
  const signature = crypto.sign('sha256', Buffer.from('input'), pem);
  assert.ok(crypto.verify('sha256', Buffer.from('input'), crypto.createPublicKey({ key: keys[0], format: 'jwk' }), signature));
  // Previous keys must be of the configured algorithm.
  const mixed = await run('Update', { Algorithm: 'RS256', PreviousPublicKeys: JSON.stringify({ keys: [es256] }) },
    fakeSecrets(secrets.value()), { PhysicalResourceId: 'JwtSigningKey' });
  assert.equal(mixed.Status, 'FAILED');
  assert.match(mixed.Reason, /public RS256 keys/);
  const unknown = await run('Create', { Algorithm: 'HS256' }, fakeSecrets(undefined));
  assert.equal(unknown.Status, 'FAILED');
  assert.match(unknown.Reason, /ES256 or RS256/);
});

test('the plugin refuses previous keys that are not public JWKs of the algorithm', () => {
  const fail = (message) => new Error(message);
  checkPublicKeys('{"keys":[]}', fail);
  checkPublicKeys('{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b","kid":"old"}]}', fail);
  checkPublicKeys('{"keys":[{"kty":"RSA","n":"a","e":"AQAB","kid":"old","alg":"RS256"}]}', fail, 'RS256');
  assert.throws(() => checkPublicKeys('[]', fail), /not a JWKS/);
  assert.throws(() => checkPublicKeys('{"keys":[{"kty":"RSA","n":"a","kid":"r"}]}', fail), /ES256 JWK/);
  assert.throws(() => checkPublicKeys('{"keys":[{"kty":"EC","crv":"P-256","kid":"e"}]}', fail, 'RS256'), /RS256 JWK/);
  assert.throws(() => checkPublicKeys('{"keys":[{"kty":"EC","crv":"P-256","kid":"o","d":"x"}]}', fail), /private part \("d"\)/);
  assert.throws(() => checkPublicKeys('{"keys":[{"kty":"RSA","n":"a","kid":"o","p":"x"}]}', fail, 'RS256'),
    /private part \("p"\)/);
});
