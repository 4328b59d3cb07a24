#!/usr/bin/env bash
# The benchmarks (not part of the test command: they take minutes).
#
#   ./scripts/bench.sh            everything: criterion, the whole-process harness, zip sizes
#   QUICK=1 ./scripts/bench.sh    shorter runs, to check that it all works
#
# Builds the release binaries once, runs the criterion benches, runs every
# function as Lambda would under the harness in bench/ (against a local moto
# DynamoDB for authenticate), measures the cargo-lambda zips, and prints the
# tables; they are also written to target/bench/. Method and figures:
# BENCHMARKS.md.
#
# Environment: VENV (default .venv, as scripts/test.sh) for moto and
# cargo-lambda; INVOCATIONS, COLD, LOGINS, ROUNDS for the harness;
# SKIP_CRITERION=1, SKIP_ZIPS=1 to leave parts out.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
OUT=target/bench
mkdir -p "$OUT"
if [[ -n "${QUICK:-}" ]]; then
  : "${INVOCATIONS:=1000}" "${COLD:=5}" "${LOGINS:=10}" "${ROUNDS:=5}"
  criterion_args=(--warm-up-time 1 --measurement-time 2)
else
  : "${INVOCATIONS:=5000}" "${COLD:=20}" "${LOGINS:=100}" "${ROUNDS:=10}"
  criterion_args=()
fi

{
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs; $(uptime | sed 's/.*load average/load average/')"
  echo "Commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (with local changes)'); $(rustc -V)"
} | tee "$OUT/machine.txt"

# moto for authenticate (the harness and the login bench), as scripts/test.sh starts it.
moto_pid=
if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import moto' 2>/dev/null; then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$VENV/bin/python" scripts/moto_server.py -H 127.0.0.1 -p "$port" >"$OUT/moto.log" 2>&1 &
  moto_pid=$!
  trap 'kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true' EXIT
  "$VENV/bin/python" scripts/wait_for_dynamodb.py "http://127.0.0.1:$port" 60
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
  export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
  unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE
else
  echo "==> no moto in $VENV (run ./scripts/test.sh once to install it): authenticate is left out"
fi

# One build of everything the harness runs. The three functions are built
# together, as cargo-lambda builds them for a deploy (same feature unification).
echo "==> cargo build --release (check-token, hello, authenticate, bench)"
cargo build --release --locked -p check-token -p hello -p authenticate -p bench

if [[ -z "${SKIP_CRITERION:-}" ]]; then
  echo "==> criterion (in-process)"
  cargo bench --locked -p common -p check-token -p hello -p authenticate \
    --bench token --bench password --bench handler --bench login --bench refresh -- "${criterion_args[@]}"
  target/release/harness criterion-table target/criterion >"$OUT/criterion.md"
fi

echo "==> harness (whole process, Runtime API on 127.0.0.1)"
target/release/harness --bin-dir target/release --invocations "$INVOCATIONS" --cold "$COLD" \
  --rounds "$ROUNDS" --logins "$LOGINS" --dynamodb "${AWS_ENDPOINT_URL_DYNAMODB:-}" --pin split \
  | tee "$OUT/harness.md"
echo "==> harness, everything on one CPU (CPU time on the critical path)"
target/release/harness --bin-dir target/release --invocations "$INVOCATIONS" --cold "$COLD" \
  --rounds "$ROUNDS" --only raw-echo,noop,check-token,check-token-unauthorized,check-token-http,check-token-es256,hello --pin same \
  | tee "$OUT/harness-same-cpu.md"

if [[ -z "${SKIP_ZIPS:-}" ]]; then
  # The zips the deploy ships (serverless.yml's plugin builds the same way).
  # Reused when they are newer than every source and manifest, since a
  # deploy may just have built them.
  lambda_dir=target/lambda/arm64
  fresh=yes
  for bin in authenticate check-token hello; do
    zip="$lambda_dir/$bin/bootstrap.zip"
    if [[ ! -f "$zip" ]] || [[ -n "$(find common/src check-token/src hello/src authenticate/src common/Cargo.toml \
      check-token/Cargo.toml hello/Cargo.toml authenticate/Cargo.toml Cargo.toml Cargo.lock -newer "$zip" -print -quit)" ]]; then
      fresh=
    fi
  done
  if [[ -z "$fresh" ]]; then
    if cargo lambda --version >/dev/null 2>&1 || [[ -x "$VENV/bin/cargo-lambda" ]]; then
      echo "==> cargo lambda build --release --arm64 --output-format zip"
      PATH="$PWD/$VENV/bin:$PATH" cargo lambda build --release --locked --arm64 --output-format zip \
        --lambda-dir "$lambda_dir" --bin authenticate --bin check-token --bin hello
    else
      echo "==> no cargo-lambda (pip install cargo-lambda): zip sizes left out"
    fi
  fi
  {
    echo "| function | bootstrap.zip (arm64) | bootstrap | AWS SDK / rustls / aws-lc in the binary |"
    echo "|---|---|---|---|"
    for bin in authenticate check-token hello; do
      zip="$lambda_dir/$bin/bootstrap.zip"
      [[ -f "$zip" ]] || continue
      tmp=$(mktemp -d)
      unzip -q -o "$zip" -d "$tmp"
      # Panic locations keep crate paths even in a stripped binary.
      linked=$(for crate in aws-sdk- rustls aws-lc; do strings "$tmp/bootstrap" | grep -c -- "$crate" || true; done | paste -sd/ -)
      awk -v bin="$bin" -v zip="$(stat -c %s "$zip")" -v exe="$(stat -c %s "$tmp/bootstrap")" -v linked="$linked" \
        'BEGIN { printf "| %s | %d bytes (%.2f MB) | %d bytes | %s |\n", bin, zip, zip / 1e6, exe, linked }'
      rm -rf "$tmp"
    done
  } | tee "$OUT/zips.md"
fi

echo
echo "==> results (also in $OUT/)"
cat "$OUT/machine.txt"
for f in criterion harness harness-same-cpu zips; do
  # `if`, not `&&`: a part left out (SKIP_ZIPS) must not fail the script.
  if [[ -f "$OUT/$f.md" ]]; then echo; cat "$OUT/$f.md"; fi
done
