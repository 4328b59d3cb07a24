#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need into a
# git-ignored virtualenv, starts a local DynamoDB-compatible server (moto) on
# 127.0.0.1, runs formatting, lint and every test, stops the server, then checks
# the deployment offline (deploy/check.sh: serverless package, cfn-lint, template
# tests, then the deploy commands themselves against a second, all-services moto).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
requirements=scripts/requirements-test.txt

# (Re)install the Python tools when the pinned list changed.
if ! cmp -s "$requirements" "$VENV/.requirements-test.txt" 2>/dev/null; then
  echo "==> installing test tools into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$VENV/.requirements-test.txt"
fi

echo "==> starting moto (DynamoDB) on 127.0.0.1"
mkdir -p target
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$VENV/bin/python" scripts/moto_server.py -H 127.0.0.1 -p "$port" >target/moto.log 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true' EXIT
"$VENV/bin/python" scripts/wait_for_dynamodb.py "http://127.0.0.1:$port" 60

# The SDK's own settings point it at moto; the credentials are moto's dummies.
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
export AWS_ENDPOINT_URL_SECRETSMANAGER="http://127.0.0.1:$port"
export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> architecture (crate layers, pure core, file sizes)"
python3 scripts/check_architecture.py
echo "==> API description (openapi.yaml: valid, and exactly the routes of serverless.yml)"
"$VENV/bin/python" scripts/openapi_check.py
echo "==> cargo test"
cargo test --workspace --locked

kill "$moto_pid" 2>/dev/null || true
echo "==> contract test (schemathesis: the local API against openapi.yaml)"
VENV="$VENV" bash scripts/contract_test.sh
echo "==> deploy check (offline, no AWS account)"
VENV="$VENV" bash deploy/check.sh
