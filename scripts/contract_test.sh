#!/usr/bin/env bash
# The contract test: schemathesis sends generated requests for every operation
# of openapi.yaml to the local API and checks each answer against the
# description (no 5xx; documented status, content type, headers and body).
#
# Starts target/debug/local-api on a free port with a fresh data folder (the
# embedded store), seeds users with target/debug/admin, logs them in, runs
# schemathesis three times (the public and own-account routes with an
# ordinary user's token, the management routes with an administrator's, and
# briefly with the ordinary user's, which the gateway refuses), then once
# more for the public routes with a server signing ES256, and stops the
# server, also on failure. Run by ./scripts/test.sh after `cargo
# test`. It builds both binaries with `cargo build -p local-api -p admin`,
# which is what `cargo run -p local-api` builds: the binaries a user runs
# (the test build unifies test-only features into them), and, built here,
# `cargo run -p local-api` after ./scripts/test.sh starts at once.
# Needs the test virtualenv (VENV, default .venv) with schemathesis in it.
# CONTRACT_MAX_EXAMPLES (default 50) and CONTRACT_SCHEMATHESIS_ARGS (more
# options for both runs, e.g. "--exclude-tag discovery") tune it.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
BIN=${CARGO_TARGET_DIR:-target}/debug
# Test cases per operation and phase; generation is deterministic (no random
# seed, no example database) and one worker sends them in order, so every run
# sends the same requests.
MAX_EXAMPLES=${CONTRACT_MAX_EXAMPLES:-50}

echo "contract test: cargo build -p local-api -p admin (as cargo run builds them)"
cargo build -p local-api -p admin --locked

data=$(mktemp -d "${TMPDIR:-/tmp}/contract-test.XXXXXX")
mkdir -p target
# The server's output (one line per request), kept after a failure. A file of
# its own: other runs may share the target folder.
log=$(mktemp target/contract-test.XXXXXX.log)
server_pid=
stop() {
  local code=$?
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$data"
  if [[ $code -eq 0 ]]; then rm -f "$log"; else echo "contract test: the local API's log is $log" >&2; fi
}
trap stop EXIT
trap 'exit 130' INT TERM

# The seeded users. root: the administrator of the management run; carol: the
# ordinary user of the other run, with the current password of the example of
# PUT /me/password (which then changes it: her token stays valid); alice: the
# login of openapi.yaml's examples (and the Basic credentials); bob: the user
# of the management examples (dave, the example of DELETE, is created by
# POST's). Fuzzing cannot touch root, carol or alice (schemathesis_hooks.py).
ADMIN_PASSWORD='root password for the contract test'
EXAMPLE_PASSWORD='correct horse battery staple'
USER_PASSWORD=$EXAMPLE_PASSWORD
seed() { # name password roles...
  local name=$1 password=$2
  shift 2
  local roles=()
  for role in "$@"; do roles+=(--role "$role"); done
  printf '%s\n' "$password" | "$BIN/admin" --data-dir "$data" users add "$name" "${roles[@]}" --password-stdin >/dev/null
}
seed root "$ADMIN_PASSWORD" admin
seed carol "$USER_PASSWORD" viewer
seed alice "$EXAMPLE_PASSWORD" viewer
seed bob "$EXAMPLE_PASSWORD" viewer

# The functions' own settings, not the caller's: a generated signing key in
# the data folder, the default lifetimes. Fuzzing sends wrong passwords for
# the seeded names too; a lockout would turn later logins into 429s.
serve() { # extra local-api options
  env -u JWT_SECRET -u JWT_ALGORITHM -u JWT_TTL -u AUTHORIZER_TTL -u PORT -u LOCAL_DATA_DIR \
      -u AWS_LAMBDA_LOG_FORMAT -u AWS_LAMBDA_LOG_LEVEL \
      LOGIN_MAX_ATTEMPTS=1000 RUST_LOG=warn \
      "$BIN/local-api" --port 0 --data-dir "$data" "$@" >>"$log" 2>&1 </dev/null &
  server_pid=$!
  url=
  local banner
  banner=$(grep -c 'the token service on' "$log" || true)
  for _ in $(seq 300); do
    # The newest banner: the log is shared by both servers of this run.
    if [[ $(grep -c 'the token service on' "$log" || true) -gt $banner ]]; then
      url=$(sed -nE 's#.*the token service on (http://[^ ]+).*#\1#p' "$log" | tail -n1)
      break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "contract test: local-api exited before serving:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.1
  done
  if [[ -z $url ]]; then
    echo "contract test: local-api printed no URL within 30 s:" >&2
    cat "$log" >&2
    exit 1
  fi
  echo "contract test: local API $* on $url (data in $data)"
}
stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}
serve

token() { # name password
  "$VENV/bin/python" - "$url" "$1" "$2" <<'PY'
import json, sys, urllib.request
url, username, password = sys.argv[1:]
body = json.dumps({"username": username, "password": password}).encode()
request = urllib.request.Request(url + "/authenticate", body, {"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(request, timeout=30))["access_token"])
PY
}
ADMIN_TOKEN=$(token root "$ADMIN_PASSWORD")
USER_TOKEN=$(token carol "$USER_PASSWORD")

export CONTRACT_BASIC_USER=alice CONTRACT_BASIC_PASSWORD=$EXAMPLE_PASSWORD
export CONTRACT_PROTECTED_USERS=root,carol,alice
# Hypothesis keeps a little state (no examples: generation is deterministic); not in the repository.
export HYPOTHESIS_STORAGE_DIRECTORY=target/hypothesis
schemathesis() { # bearer token, then filter options
  local bearer=$1
  shift
  CONTRACT_BEARER=$bearer "$VENV/bin/schemathesis" --no-color --config-file scripts/schemathesis.toml \
    run openapi.yaml --url "$url" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing,stateful --mode all \
    --max-examples "$MAX_EXAMPLES" --generation-deterministic \
    --workers 1 --request-timeout 30 "$@" ${CONTRACT_SCHEMATHESIS_ARGS:-}
}

status=0
started=$SECONDS
echo "==> schemathesis: login, OAuth, discovery, /hello and /me with an ordinary user's token"
schemathesis "$USER_TOKEN" --exclude-tag users || status=1
echo "==> schemathesis: the management API with an administrator's token"
schemathesis "$ADMIN_TOKEN" --include-tag users || status=1
echo "==> schemathesis: the management API refused to an ordinary user (API Gateway's 403)"
schemathesis "$USER_TOKEN" --include-tag users --max-examples 5 --phases examples,fuzzing || status=1

# ES256: the same public routes with tokens signed by a key pair, and the
# discovery documents publishing its public key (a JWK, not {"keys":[]}).
# erin: carol's counterpart here (the example of PUT /me/password changes her password).
stop_server
seed erin "$USER_PASSWORD" viewer
serve --jwt-algorithm es256
ES256_TOKEN=$(token erin "$USER_PASSWORD")
echo "==> schemathesis: the same routes with JWT_ALGORITHM=ES256"
CONTRACT_PROTECTED_USERS=root,carol,alice,erin schemathesis "$ES256_TOKEN" --exclude-tag users \
  --max-examples 10 || status=1
echo "contract test: schemathesis took $((SECONDS - started)) s"

if grep -qiE 'panicked|server_error' "$log"; then
  echo "contract test: the local API logged a failure:" >&2
  grep -iE 'panicked|server_error' "$log" | head -20 >&2
  status=1
fi
exit $status
