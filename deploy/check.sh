#!/usr/bin/env bash
# Offline check of the deployment, no AWS account needed:
#   1. npm ci (osls, pinned in package-lock.json)
#   2. the pinned Python tools of scripts/requirements-test.txt (cargo-lambda,
#      cfn-lint, moto) in the virtualenv $VENV (default .venv)
#   3. the aarch64 Rust target
#   4. `serverless package` with no AWS credentials: the cargo-lambda plugin
#      cross-builds the three functions once (several minutes when cold)
#   5. cfn-lint on the generated template: errors fail, warnings are shown
#   6. node --test deploy/: the template and the zips, and the plugin
#   7. deploy/deploy_test.py: the deploy commands themselves, from that package,
#      with dummy credentials: `serverless deploy --package .serverless` with
#      every connection refused must fail at its first AWS call; then deploy,
#      deploy again, deploy function and remove against moto's server (all
#      services, on 127.0.0.1), checking what each must do
#
# Usage: bash deploy/check.sh            (from anywhere in the repo)
#        VENV=/path/to/venv bash deploy/check.sh
#        CARGO_LAMBDA_SKIP_BUILD=1 bash deploy/check.sh   (reuse target/lambda zips)
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
STAGE=dev
TEMPLATE=.serverless/cloudformation-template-update-stack.json

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

step "serverless package --stage $STAGE (offline, no AWS credentials)"
# No credentials, no profile, no instance metadata: packaging must not need AWS.
# nice: the cross build is long and the machine is shared.
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
  SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
  nice -n 10 npx --no -- serverless package --stage "$STAGE"
ls -l target/lambda/arm64/*.zip   # the artifacts (arm64 is the default architecture)

step "cfn-lint $TEMPLATE"
# Warnings (on what osls generates) are printed but do not fail; errors do.
cfn-lint --regions us-east-1 --non-zero-exit-code error -- "$TEMPLATE"
echo "cfn-lint: no errors"

step "node --test deploy/"
node --test deploy/

step "the deploy commands, offline: deploy/deploy_test.py"
# Its own timeouts: DEPLOY_TEST_TIMEOUT seconds per command (default 180).
"$VENV/bin/python" deploy/deploy_test.py
