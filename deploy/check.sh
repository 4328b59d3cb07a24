#!/usr/bin/env bash
# Offline check of the deployment, no AWS account needed:
#   1. npm ci (osls, pinned in package-lock.json)
#   2. the pinned Python tools of scripts/requirements-test.txt (cargo-lambda,
#      cfn-lint, moto) in the virtualenv $VENV (default .venv)
#   3. the aarch64 Rust target
#   4. `serverless package` with no AWS credentials, four times: the HTTP API
#      (--param="api=http") into target/serverless-http, ES256 signing
#      (--param="jwtAlgorithm=ES256") into target/serverless-es256, zero-Lambda
#      (--param="api=http" --param="jwtAlgorithm=RS256" --param="authorizer=jwt")
#      into target/serverless-jwt, and the REST API with HS256 (the defaults)
#      into .serverless. The cargo-lambda plugin cross-builds the
#      functions (several minutes when cold; the second build finds them built)
#   5. cfn-lint on the generated templates: errors fail, warnings are shown
#   6. node --test deploy/: the REST template and the zips, and the plugins;
#      then deploy/template.test.js on the HTTP template (EXPECT_API=http),
#      which also compares it with the REST one; deploy/keypair-template.check.js
#      on the ES256 and zero-Lambda templates (their custom resource needs a
#      real Lambda, so they are not deployed to moto;
#      deploy/signing-key-generator.test.js runs the generator's code itself)
#   7. deploy/deploy_test.py, for each package: the deploy commands themselves,
#      with dummy credentials: `serverless deploy --package <package>` with
#      every connection refused must fail at its first AWS call; then deploy,
#      deploy again, deploy function and remove against moto's server (all
#      services, on 127.0.0.1, a fresh one per package), checking what each must do
#
# Usage: bash deploy/check.sh            (from anywhere in the repo)
#        VENV=/path/to/venv bash deploy/check.sh
#        CARGO_LAMBDA_SKIP_BUILD=1 bash deploy/check.sh   (reuse target/lambda zips)
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
STAGE=dev
# The REST API's package where `serverless package` puts it; the HTTP API's
# elsewhere (under target/, git-ignored).
REST_PACKAGE=.serverless
HTTP_PACKAGE=target/serverless-http
ES256_PACKAGE=target/serverless-es256
JWT_PACKAGE=target/serverless-jwt
TEMPLATE=cloudformation-template-update-stack.json

step() { printf '\n==> %s\n' "$*"; }

step "npm ci"
npm ci --no-audit --no-fund

step "Python tools in $VENV"
# The same pinned list and the same marker as scripts/test.sh: installed once.
requirements=scripts/requirements-test.txt
if ! cmp -s "$requirements" "$VENV/.requirements-test.txt" 2>/dev/null; then
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$VENV/.requirements-test.txt"
fi
PATH="$(cd "$VENV/bin" && pwd):$PATH"
export PATH
cargo lambda --version
cfn-lint --version

step "Rust target for arm64"
rustup target add aarch64-unknown-linux-gnu

# No credentials, no profile, no instance metadata: packaging must not need AWS.
# nice: the cross build is long and the machine is shared.
package() {
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
    SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
    nice -n 10 npx --no -- serverless package --stage "$STAGE" "$@"
}

# The HTTP API first: every `serverless package` (whatever its --package)
# starts by deleting .serverless, where the REST API's goes next.
step "serverless package --stage $STAGE --param=api=http --package $HTTP_PACKAGE (HTTP API; offline, no AWS credentials)"
rm -rf "$HTTP_PACKAGE"
package --param="api=http" --package "$HTTP_PACKAGE"
ls -l target/lambda/arm64/*.zip   # the artifacts (arm64 is the default architecture)

step "serverless package --stage $STAGE --param=jwtAlgorithm=ES256 --package $ES256_PACKAGE (ES256 signing)"
rm -rf "$ES256_PACKAGE"
package --param="jwtAlgorithm=ES256" --package "$ES256_PACKAGE"

step "serverless package --stage $STAGE --param=api=http --param=jwtAlgorithm=RS256 --param=authorizer=jwt --package $JWT_PACKAGE (zero-Lambda)"
rm -rf "$JWT_PACKAGE"
package --param="api=http" --param="jwtAlgorithm=RS256" --param="authorizer=jwt" --package "$JWT_PACKAGE"

step "serverless package --stage $STAGE (REST API)"
package

for dir in "$REST_PACKAGE" "$HTTP_PACKAGE" "$ES256_PACKAGE" "$JWT_PACKAGE"; do
  step "cfn-lint $dir/$TEMPLATE"
  # Warnings (on what osls generates) are printed but do not fail; errors do.
  cfn-lint --regions us-east-1 --non-zero-exit-code error -- "$dir/$TEMPLATE"
  echo "cfn-lint: no errors"
done

step "node --test deploy/ (the REST package, the plugins)"
SLS_PACKAGE_DIR="$REST_PACKAGE" EXPECT_API=rest node --test deploy/

step "node --test deploy/template.test.js (the HTTP package, and against the REST one)"
SLS_PACKAGE_DIR="$HTTP_PACKAGE" EXPECT_API=http SLS_REST_PACKAGE_DIR="$REST_PACKAGE" \
  node --test deploy/template.test.js

step "node deploy/keypair-template.check.js (ES256, and zero-Lambda: no private key, who may read it, the JWT authorizer)"
SLS_PACKAGE_DIR="$ES256_PACKAGE" node --test deploy/keypair-template.check.js
SLS_PACKAGE_DIR="$JWT_PACKAGE" EXPECT_ALG=RS256 EXPECT_AUTHORIZER=jwt node --test deploy/keypair-template.check.js

# Its own timeouts: DEPLOY_TEST_TIMEOUT seconds per command (default 180).
step "the deploy commands, offline, REST API: deploy/deploy_test.py"
SLS_PACKAGE_DIR="$REST_PACKAGE" DEPLOY_TEST_WORK=target/deploy-test "$VENV/bin/python" deploy/deploy_test.py

step "the deploy commands, offline, HTTP API: deploy/deploy_test.py"
SLS_PACKAGE_DIR="$HTTP_PACKAGE" DEPLOY_TEST_WORK=target/deploy-test-http "$VENV/bin/python" deploy/deploy_test.py
