'use strict';

// Unit tests of plugins/cargo-lambda.js against a fake `cargo` on PATH: which
// builds it runs, where the zips go, and how it fails. No Rust build happens.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CargoLambdaPlugin = require('../plugins/cargo-lambda.js');

// A fake cargo: logs its arguments, answers `lambda --version`, and for
// `lambda build` writes <lambda-dir>/<bin>/bootstrap.zip for each --bin.
const FAKE_CARGO = `#!/bin/sh
echo "$*" >> "$FAKE_CARGO_LOG"
[ "$1 $2" = "lambda --version" ] && { [ -n "$FAKE_NO_LAMBDA" ] && exit 101; echo "cargo-lambda 1.9.2"; exit 0; }
[ -n "$FAKE_BUILD_FAILS" ] && exit 7
dir=""; while [ $# -gt 0 ]; do
  case "$1" in
    --lambda-dir) dir="$2"; shift ;;
    --bin) mkdir -p "$dir/$2"; echo "zip of $2 in $dir" > "$dir/$2/bootstrap.zip"; shift ;;
  esac; shift
done
`;

function setup(t, { functions, provider = {}, env = {}, custom = {} }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cargo-lambda-plugin-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'cargo'), FAKE_CARGO, { mode: 0o755 });
  const log = path.join(dir, 'cargo.log');
  const saved = { ...process.env };
  Object.assign(process.env, { PATH: `${bin}${path.delimiter}${process.env.PATH}`, FAKE_CARGO_LOG: log }, env);
  delete process.env.CARGO_LAMBDA_SKIP_BUILD;
  if (env.CARGO_LAMBDA_SKIP_BUILD) process.env.CARGO_LAMBDA_SKIP_BUILD = env.CARGO_LAMBDA_SKIP_BUILD;
  t.after(() => {
    process.env = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const serverless = {
    serviceDir: dir,
    classes: { Error: class ServerlessError extends Error {} },
    configSchemaHandler: { defineCustomProperties() {} },
    service: {
      provider: { runtime: 'provided.al2023', ...provider },
      custom,
      functions,
      getAllFunctions: () => Object.keys(functions),
      getFunction: (name) => functions[name],
    },
  };
  const quiet = { notice() {}, info() {}, warning() {} };
  const make = (options = {}) => new CargoLambdaPlugin(serverless, options, { log: quiet });
  const builds = () =>
    (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []).filter((l) => l.startsWith('lambda build'));
  return { dir, make, builds };
}

const threeFunctions = () => ({
  authenticate: { handler: 'authenticate' },
  checkToken: { handler: 'check-token' },
  hello: { handler: 'hello', architecture: 'x86_64' },
  node: { handler: 'index.handler', runtime: 'nodejs22.x' },
});

test('one build per architecture, unique artifact per function', async (t) => {
  const functions = threeFunctions();
  const { dir, make, builds } = setup(t, { functions, provider: { architecture: 'arm64' } });
  await make().hooks['before:package:createDeploymentArtifacts']();

  assert.deepEqual(builds(), [
    'lambda build --release --output-format zip --arm64 --lambda-dir target/lambda/arm64 --bin authenticate --bin check-token',
    'lambda build --release --output-format zip --x86-64 --lambda-dir target/lambda/x86_64 --bin hello',
  ]);
  assert.equal(functions.authenticate.package.artifact, path.join('target/lambda/arm64/authenticate-arm64.zip'));
  assert.equal(functions.checkToken.package.artifact, path.join('target/lambda/arm64/check-token-arm64.zip'));
  assert.equal(functions.hello.package.artifact, path.join('target/lambda/x86_64/hello-x86_64.zip'));
  assert.equal(functions.node.package, undefined, 'non-Rust functions are left alone');
  // `serverless deploy` looks for the service-wide zip unless `individually`.
  for (const name of ['authenticate', 'checkToken', 'hello']) {
    assert.equal(functions[name].package.individually, true, `${name} is packaged individually`);
  }
  assert.equal(
    fs.readFileSync(path.join(dir, functions.checkToken.package.artifact), 'utf8'),
    'zip of check-token in target/lambda/arm64\n'
  );
});

test('provider architecture defaults to x86_64 like Lambda', async (t) => {
  const functions = { hello: { handler: 'hello' } };
  const { make, builds } = setup(t, { functions });
  await make().hooks['before:package:createDeploymentArtifacts']();
  assert.match(builds()[0], /--x86-64 /);
});

test('deploy function -f builds only that function', async (t) => {
  const functions = threeFunctions();
  const { make, builds } = setup(t, { functions, provider: { architecture: 'arm64' } });
  await make({ function: 'checkToken' }).hooks['before:deploy:function:packageFunction']();
  assert.deepEqual(builds(), [
    'lambda build --release --output-format zip --arm64 --lambda-dir target/lambda/arm64 --bin check-token',
  ]);
  assert.ok(functions.checkToken.package.artifact);
  assert.equal(functions.checkToken.package.individually, true);
  assert.equal(functions.authenticate.package, undefined);
});

test('extra build arguments from custom.cargoLambda.buildArgs', async (t) => {
  const functions = { hello: { handler: 'hello' } };
  const { make, builds } = setup(t, { functions, custom: { cargoLambda: { buildArgs: ['--locked'] } } });
  await make().hooks['before:package:createDeploymentArtifacts']();
  assert.match(builds()[0], / --bin hello --locked$/);
});

test('a function with its own artifact is not built', async (t) => {
  const functions = { hello: { handler: 'hello', package: { artifact: 'prebuilt/hello.zip' } } };
  const { make, builds } = setup(t, { functions });
  await make().hooks['before:package:createDeploymentArtifacts']();
  assert.deepEqual(builds(), []);
  assert.deepEqual(functions.hello.package, { artifact: 'prebuilt/hello.zip' }, 'left as configured');
});

test('missing cargo-lambda: says what to install', async (t) => {
  const { make } = setup(t, { functions: threeFunctions(), env: { FAKE_NO_LAMBDA: '1' } });
  await assert.rejects(make().hooks['before:package:createDeploymentArtifacts'](), /pip install cargo-lambda/);
});

test('a failed build fails the package', async (t) => {
  const { make } = setup(t, { functions: threeFunctions(), env: { FAKE_BUILD_FAILS: '1' } });
  await assert.rejects(make().hooks['before:package:createDeploymentArtifacts'](), /cargo lambda build failed for arm64|exit code 7/);
});

test('CARGO_LAMBDA_SKIP_BUILD uses existing zips and fails if one is missing', async (t) => {
  const functions = threeFunctions();
  const { dir, make, builds } = setup(t, { functions, provider: { architecture: 'arm64' }, env: { CARGO_LAMBDA_SKIP_BUILD: '1' } });
  await assert.rejects(make().hooks['before:package:createDeploymentArtifacts'](), /authenticate-arm64\.zip is missing/);

  for (const zip of ['arm64/authenticate-arm64.zip', 'arm64/check-token-arm64.zip', 'x86_64/hello-x86_64.zip']) {
    fs.mkdirSync(path.dirname(path.join(dir, 'target/lambda', zip)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'target/lambda', zip), 'prebuilt');
  }
  await make().hooks['before:package:createDeploymentArtifacts']();
  assert.deepEqual(builds(), [], 'nothing was built');
  assert.equal(functions.hello.package.artifact, path.join('target/lambda/x86_64/hello-x86_64.zip'));
  assert.equal(functions.hello.package.individually, true);
});
