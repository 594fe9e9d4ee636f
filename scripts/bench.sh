#!/usr/bin/env bash
# `make bench` (after `make build`): every benchmark the README's "Measured" table cites, JSON
# under .bench/ (git-ignored), a markdown table at the end (also .bench/results.md).
#  1. compile the harness (app/bench -> dist/app/bench);
#  2. (the onnxruntime reference runs app/model/model.onnx, the ONNX twin `make train` writes);
#  3. classifier alone: the service's classifier (and its wasm fallback) vs a bare onnxruntime
#     session, batch 1/8/32/128;
#  4. preprocessing alone: app/bench/preprocess-bench.ts (one libuv thread), vs sharp decode-only;
#  5. end to end on loopback: bare Koa ceiling, `serve` with the embedded store (the canvas, and
#     a 1024x1024 drawing: the heaviest run, whose peak RSS is checked against 300 MiB); `serve`
#     with the 3-node local Cassandra comes last (started here if not running, stopped again at
#     the end), so that its JVMs take no CPU from the other runs;
#  6. a CPU profile of the service at 32 connections (BENCH_PROFILE=0 skips it), a separate pass
#     so the profiler's overhead never touches the reported numbers: it splits the measured
#     server CPU per request into stages (receive/parse, decode, preprocess, inference, ...);
#  7. start-up: `make run` on this up-to-date checkout, and the serve process alone, to ready;
#  8. the report: every target of issue 12 with its ratio and PASS/MISS (peak RSS included),
#     machine, load average.
#  Two what-ifs run beside them (BENCH_WHATIF=0 skips): the service on its wasm fallback
#  (embedded-wasm) and the real service sent a 28x28 PNG instead of the canvas (embedded-28px);
#  they locate the end-to-end cost, they are not targets.
# Knobs: BENCH_SECONDS (per end-to-end point, default 8), BENCH_CASSANDRA=0 (skip Cassandra),
# BENCH_PROFILE=0, BENCH_WHATIF=0, BENCH_PARTS="classifier preprocess e2e startup" (a subset).
# Nothing here runs niced: benchmarks want the CPU. Other work on the machine shows up in the
# load average the report prints; check it before trusting a number.
set -euo pipefail
cd "$(dirname "$0")/.."
export MNIST_CACHE="${MNIST_CACHE:-$HOME/.cache/mnist-k8s}"
OUT=.bench
SECONDS_PER_POINT="${BENCH_SECONDS:-8}"
PARTS="${BENCH_PARTS:-classifier preprocess e2e startup}"
CASSANDRA_POINTS=127.0.0.1,127.0.0.2,127.0.0.3
BENCH_KEYSPACE=mnist_bench
log() { printf '\n== %s\n' "$*" >&2; }
wants() { [[ " $PARTS " == *" $1 "* ]]; }

mkdir -p "$OUT"
load_at_start="$(awk '{printf "%s / %s / %s", $1, $2, $3}' /proc/loadavg)"
# What else was using the CPU over one second just before the run (top's second sample).
top -b -n 2 -d 1 -o %CPU 2>/dev/null | awk '/^top -/{n++} n==2' | sed -n '8,12p' >"$OUT/top-at-start.txt" || true
failed=()
notes=()

log "compile the benchmark harness"
node_modules/.bin/tsc -p app/bench/tsconfig.json

[[ -f app/model/model.json ]] || { echo "bench: no model in app/model (run 'make train' first)" >&2; exit 1; }

[[ -f app/model/model.onnx ]] || { echo "bench: no app/model/model.onnx (run 'make onnx')" >&2; exit 1; }

if wants classifier; then
  rm -f "$OUT/classifier.json"
  log "classifier alone: the service's classifier vs onnxruntime"
  node dist/app/bench/classifier-bench.js --out "$OUT/classifier.json" || failed+=(classifier)
fi

if wants preprocess; then
  rm -f "$OUT/preprocess.json"
  log "preprocessing alone (UV_THREADPOOL_SIZE=1)"
  UV_THREADPOOL_SIZE=1 node_modules/.bin/tsx app/bench/preprocess-bench.ts --out "$OUT/preprocess.json" >/dev/null || failed+=(preprocess)
fi

started_cassandra=0
all_up=0
cassandra_pids=""
cleanup() {
  if ((started_cassandra)); then scripts/cassandra/down.sh >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

if wants e2e; then
  # Logs, data and profiles of an earlier run must not mix with this one's.
  rm -rf "$OUT/e2e.json" "$OUT/e2e-cassandra.json" "$OUT/e2e" "$OUT/profile" "$OUT/profile-embedded.md"
  # embedded-large: the largest image the service accepts, the heaviest run (its peak RSS).
  targets=bare,embedded,embedded-large
  if [[ "${BENCH_WHATIF:-1}" != 0 ]]; then targets+=,embedded-wasm,embedded-28px; fi
  # Before any Cassandra JVM is started: three of them on 2 cores slow everything else down
  # (measured: the embedded store's req/s fell by a third with three idle nodes up).
  all_up=1
  for n in 1 2 3; do [[ "$(scripts/cassandra/node.sh status "$n" 2>/dev/null)" == up* ]] || all_up=0; done
  if ((all_up)); then notes+=("The local Cassandra nodes were already running during every end-to-end run: their JVMs took CPU from the embedded runs too."); fi
  log "end to end on loopback: $targets, ${SECONDS_PER_POINT}s per point"
  node dist/app/bench/e2e-bench.js --targets "$targets" --seconds "$SECONDS_PER_POINT" --out "$OUT/e2e.json" || failed+=(e2e)

  if [[ "${BENCH_PROFILE:-1}" != 0 ]]; then
    log "CPU profile of the service (embedded store, 32 connections; separate pass: it splits CPU by stage)"
    if node dist/app/bench/e2e-bench.js --targets embedded --concurrency 32 --seconds "$SECONDS_PER_POINT" --profile \
      --work-dir "$OUT/profile" --out "$OUT/profile/e2e-profiled.json"; then
      node dist/app/bench/profile-cli.js "$OUT"/profile/embedded-profile/*.cpuprofile --e2e "$OUT/profile/e2e-profiled.json" \
        --out "$OUT/profile-embedded.md" --stages-out "$OUT/profile/stages.json" >/dev/null || failed+=(profile-summary)
    else
      failed+=(profile)
    fi
  fi
fi

if wants startup; then
  rm -f "$OUT/startup.json"
  log "start-up: make run and the serve process alone, to ready"
  node dist/app/bench/startup-bench.js --out "$OUT/startup.json" || failed+=(startup)
fi

# Last: the 3-node Cassandra, started here if it is not running (and stopped again at the end).
if wants e2e && [[ "${BENCH_CASSANDRA:-1}" != 0 ]]; then
  log "3-node Cassandra ($( ((all_up)) && echo 'already running' || echo 'starting'))"
  if ((all_up)) || { started_cassandra=1; scripts/cassandra/up.sh 3 >"$OUT/cassandra-up.log" 2>&1; }; then
    cassandra_pids="$(for n in 1 2 3; do scripts/cassandra/node.sh status "$n" | awk '$1 == "up" {print $2}'; done | paste -sd, -)"
    if CASSANDRA_CONTACT_POINTS="$CASSANDRA_POINTS" CASSANDRA_KEYSPACE="$BENCH_KEYSPACE" LOG_LEVEL=warn \
      node dist/app/src/cli/index.js bootstrap >"$OUT/cassandra-bootstrap.log" 2>&1; then
      log "end to end on loopback: cassandra, ${SECONDS_PER_POINT}s per point"
      node dist/app/bench/e2e-bench.js --targets cassandra --seconds "$SECONDS_PER_POINT" --cassandra-pids "$cassandra_pids" \
        --cassandra-contact-points "$CASSANDRA_POINTS" --cassandra-keyspace "$BENCH_KEYSPACE" --work-dir "$OUT/e2e" --out "$OUT/e2e-cassandra.json" || failed+=(e2e-cassandra)
    else
      notes+=("Cassandra target skipped: bootstrap failed (see $OUT/cassandra-bootstrap.log)")
      failed+=(cassandra-bootstrap)
    fi
  else
    notes+=("Cassandra target skipped: scripts/cassandra/up.sh 3 failed (see $OUT/cassandra-up.log)")
    failed+=(cassandra-up)
  fi
fi

log "report"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- app 2>/dev/null || echo '+local changes')"
note_args=()
busiest="$(awk '$9+0 >= 5 {printf "%s%s %s%%", sep, $12, $9; sep=", "}' "$OUT/top-at-start.txt")"
for n in "${notes[@]+"${notes[@]}"}"; do note_args+=(--note "$n"); done
note_args+=(--note "Load generator and server share the machine's $(nproc) cores: the client's CPU per request is in the end-to-end table. Busiest other processes just before the run (%CPU of one core): ${busiest:-none above 5%}.")
node dist/app/bench/report.js --dir "$OUT" --command "make bench" --commit "$commit" --load-at-start "$load_at_start" "${note_args[@]}"
[[ -f "$OUT/profile-embedded.md" ]] && echo "CPU profile breakdown: $OUT/profile-embedded.md"

if ((${#failed[@]} > 0)); then
  echo "bench: these parts failed: ${failed[*]}" >&2
  exit 1
fi
