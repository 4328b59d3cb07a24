'use strict';

// Serverless Framework plugin (osls / Serverless v3 API): builds Rust Lambda
// functions with cargo-lambda and points each function at its zip.
//
//   plugins:
//     - ./plugins/cargo-lambda.js
//
// Which functions: every function on a `provided.*` runtime (its own `runtime`
// or provider.runtime) that is not a container image and has no
// package.artifact of its own.
// Which binary: the function's `handler` is the cargo binary name
// (e.g. `handler: check-token`). Lambda ignores the handler of a custom runtime.
// Which architecture: the function's `architecture`, else provider.architecture,
// else x86_64 (Lambda's default).
//
// Build: ONE `cargo lambda build --release --output-format zip --<arch>
// --bin a --bin b ...` per architecture, into target/lambda/<arch>/<bin>/bootstrap.zip,
// then a copy to target/lambda/<arch>/<bin>-<arch>.zip. Serverless uploads
// artifacts under their file name, so three `bootstrap.zip` would overwrite each
// other in S3: each artifact needs its own name.
//
// Each function it builds gets package.artifact = its zip AND
// package.individually = true. Without `individually` (function or service
// level), `serverless deploy` checks for the service-wide <service>.zip before
// it uploads anything, and packaging never made one (every function has its own
// artifact): the deploy fails with "No <service>.zip file found in the package
// path you provided". Set per function, not service-wide, so that the other
// functions of a mixed project (e.g. Node.js) keep their usual packaging.
//
// Hooks:
//   before:package:createDeploymentArtifacts  `serverless package` / `deploy`: all functions
//   before:deploy:function:packageFunction    `serverless deploy function -f NAME`: that one
//
// Options:
//   CARGO_LAMBDA_SKIP_BUILD=1 (environment) uses the zips a previous build left
//     in target/lambda/ and fails if one is missing; for CI that builds once.
//     It does not check that they match the source: build first.
//   custom.cargoLambda.buildArgs: extra arguments, e.g. ['--locked'].

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ARCH_FLAGS = { arm64: '--arm64', x86_64: '--x86-64' };

class CargoLambdaPlugin {
  constructor(serverless, options, { log } = {}) {
    this.serverless = serverless;
    this.options = options || {};
    this.log = log || { notice: console.log, info: console.log, warning: console.warn };

    serverless.configSchemaHandler.defineCustomProperties({
      properties: {
        cargoLambda: {
          type: 'object',
          properties: { buildArgs: { type: 'array', items: { type: 'string' } } },
          additionalProperties: false,
        },
      },
    });

    this.hooks = {
      'before:package:createDeploymentArtifacts': () => this.build(this.rustFunctions()),
      'before:deploy:function:packageFunction': () =>
        this.build(this.rustFunctions().filter((f) => f.name === this.options.function)),
    };
  }

  fail(message) {
    return new this.serverless.classes.Error(message);
  }

  // [{ name, binary, arch, fn }] for the functions this plugin builds.
  rustFunctions() {
    const service = this.serverless.service;
    const provider = service.provider;
    return service
      .getAllFunctions()
      .map((name) => ({ name, fn: service.getFunction(name) }))
      .filter(({ fn }) => String(fn.runtime || provider.runtime || '').startsWith('provided'))
      .filter(({ fn }) => !fn.image && !(fn.package && fn.package.artifact))
      .map(({ name, fn }) => {
        const arch = fn.architecture || provider.architecture || 'x86_64';
        if (!ARCH_FLAGS[arch]) throw this.fail(`Function "${name}": unknown architecture "${arch}"`);
        if (!fn.handler) throw this.fail(`Function "${name}": set handler to its cargo binary name`);
        return { name, fn, arch, binary: fn.handler };
      });
  }

  async build(functions) {
    if (functions.length === 0) return;
    const serviceDir = this.serverless.serviceDir || this.serverless.config.servicePath;
    const lambdaDir = (arch) => path.join('target', 'lambda', arch);
    const artifact = (arch, binary) => path.join(lambdaDir(arch), `${binary}-${arch}.zip`);

    const skip = ['1', 'true'].includes(String(process.env.CARGO_LAMBDA_SKIP_BUILD).toLowerCase());
    if (!skip) {
      this.ensureCargoLambda(serviceDir);
      const extra = (this.serverless.service.custom?.cargoLambda?.buildArgs) || [];
      for (const arch of [...new Set(functions.map((f) => f.arch))]) {
        const binaries = [...new Set(functions.filter((f) => f.arch === arch).map((f) => f.binary))];
        const args = ['lambda', 'build', '--release', '--output-format', 'zip', ARCH_FLAGS[arch],
          '--lambda-dir', lambdaDir(arch), ...binaries.flatMap((b) => ['--bin', b]), ...extra];
        this.log.notice(`cargo-lambda: cargo ${args.join(' ')}`);
        await run('cargo', args, serviceDir).catch((err) => {
          throw this.fail(`cargo lambda build failed for ${arch}: ${err.message}`);
        });
        for (const binary of binaries) {
          const built = path.join(serviceDir, lambdaDir(arch), binary, 'bootstrap.zip');
          if (!fs.existsSync(built)) throw this.fail(`cargo-lambda did not produce ${built}`);
          fs.copyFileSync(built, path.join(serviceDir, artifact(arch, binary)));
        }
      }
    }

    for (const { name, fn, arch, binary } of functions) {
      const zip = artifact(arch, binary);
      if (!fs.existsSync(path.join(serviceDir, zip))) {
        throw this.fail(`Function "${name}": ${zip} is missing; build it (unset CARGO_LAMBDA_SKIP_BUILD)`);
      }
      fn.package = { ...fn.package, artifact: zip, individually: true };
      this.log.info(`cargo-lambda: ${name} -> ${zip}${skip ? ' (prebuilt, CARGO_LAMBDA_SKIP_BUILD)' : ''}`);
    }
  }

  ensureCargoLambda(cwd) {
    const probe = spawnSync('cargo', ['lambda', '--version'], { cwd, encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      throw this.fail(
        'cargo-lambda is needed to build the Rust functions but `cargo lambda --version` failed' +
          `${probe.error ? ` (${probe.error.code})` : ''}. Install Rust (https://rustup.rs) and ` +
          'cargo-lambda: `pip install cargo-lambda` (it brings zig for cross builds).'
      );
    }
  }
}

// Runs a command with the terminal attached; rejects on a non-zero exit.
function run(command, args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(signal ? `killed by ${signal}` : `exit code ${code}`))
    );
  });
}

module.exports = CargoLambdaPlugin;
