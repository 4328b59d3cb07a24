'use strict';
// Custom::SigningKey: the stage's key pair, made here and written straight to
// Secrets Manager; answers the public JWKS only. See plugins/signing-keys.js.
const crypto = require('node:crypto');
const https = require('node:https');

const KID = /^[A-Za-z0-9._-]{1,64}$/;
const PAIRS = { ES256: ['ec', { namedCurve: 'P-256' }], RS256: ['rsa', { modulusLength: 2048 }] };

async function handler(event, _context, deps = {}) {
  const out = { Status: 'SUCCESS', PhysicalResourceId: event.PhysicalResourceId || event.LogicalResourceId };
  try {
    if (event.RequestType !== 'Delete') out.Data = await ensureKey(event.ResourceProperties, deps.client || sdk());
  } catch (err) {
    out.Status = 'FAILED';
    out.Reason = `SigningKey: ${err && err.message}`.slice(0, 1000);
  }
  const { StackId, RequestId, LogicalResourceId } = event;
  await (deps.respond || respond)(event.ResponseURL, { ...out, StackId, RequestId, LogicalResourceId });
  return out;
}

// The key in the secret, or a new one (first deploy, new kid or algorithm).
async function ensureKey({ SecretId, KeyId, PreviousPublicKeys, Algorithm: alg = 'ES256' }, client) {
  if (!KID.test(KeyId || '')) throw new Error(`KeyId ${JSON.stringify(KeyId)}: 1-64 letters, digits, '.', '_' or '-'`);
  if (!PAIRS[alg]) throw new Error(`Algorithm ${JSON.stringify(alg)}: ES256 or RS256`);
  const previous = parseJwks(PreviousPublicKeys || '{"keys":[]}', alg);
  let current = await read(client, SecretId);
  if (!current || current.kid !== KeyId || publicJwk(current).alg !== alg) {
    const { privateKey } = crypto.generateKeyPairSync(...PAIRS[alg]);
    current = { kid: KeyId, private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }) };
    await client.put(SecretId, JSON.stringify(current));
  }
  const jwk = publicJwk(current);
  const keys = [jwk, ...previous.filter((key) => key.kid !== jwk.kid)];
  return { Kid: jwk.kid, Jwks: JSON.stringify({ keys }) };
}

async function read(client, secretId) {
  const text = await client.get(secretId);
  if (text === undefined) return undefined;
  let value;
  try { value = JSON.parse(text); } catch { value = undefined; }
  if (!value || typeof value.kid !== 'string' || typeof value.private_key !== 'string') {
    throw new Error(`secret ${secretId} does not hold {"kid","private_key"}`);
  }
  return value;
}

function publicJwk({ kid, private_key: pem }) {
  const { kty, crv, x, y, n, e } = crypto.createPublicKey(pem).export({ format: 'jwk' });
  if (kty === 'EC' && crv === 'P-256') return { kty, crv, x, y, kid, alg: 'ES256', use: 'sig' };
  if (kty === 'RSA') return { kty, n, e, kid, alg: 'RS256', use: 'sig' };
  throw new Error(`key ${kid} is neither P-256 nor RSA`);
}

function parseJwks(text, alg) {
  let keys;
  try { ({ keys } = JSON.parse(text)); } catch { keys = undefined; }
  if (!Array.isArray(keys) || keys.some((k) => !k || k.alg !== alg || typeof k.kid !== 'string' || 'd' in k)) {
    throw new Error(`PreviousPublicKeys is not a JWKS of public ${alg} keys ({"keys":[...]})`);
  }
  return keys;
}

// Lambda's own AWS SDK v3; a secret with no value yet reads as undefined.
function sdk() {
  const sm = require('@aws-sdk/client-secrets-manager');
  const client = new sm.SecretsManagerClient({});
  return {
    async get(SecretId) {
      try {
        return (await client.send(new sm.GetSecretValueCommand({ SecretId }))).SecretString;
      } catch (err) {
        if (err.name === 'ResourceNotFoundException') return undefined;
        throw err;
      }
    },
    put: (SecretId, SecretString) => client.send(new sm.PutSecretValueCommand({ SecretId, SecretString })),
  };
}

function respond(url, body) {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': data.length } },
      (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(data);
  });
}

module.exports = { handler, ensureKey, publicJwk };
