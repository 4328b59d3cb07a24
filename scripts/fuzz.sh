#!/usr/bin/env bash
# Runs every cargo-fuzz target for a while (default 60 s each; FUZZ_SECONDS to change).
# Needs the nightly toolchain and cargo-fuzz (installed here if missing).
# A crash is saved under fuzz/artifacts/<target>/: turn it into a regression test.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${FUZZ_SECONDS:-60}
if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz: no nightly toolchain; skipping (rustup toolchain install nightly)"
  exit 0
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for target in basic_auth json_credentials token_verify authorizer_event; do
  mkdir -p "corpus/$target"
  echo "==> fuzzing $target for ${seconds}s"
  log="corpus/$target.log"
  if ! cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- \
      -max_total_time="$seconds" -max_len=16384 -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz: $target failed; the input is under fuzz/artifacts/$target/"
    exit 1
  fi
  grep -E 'stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs' "$log" || true
done
