#!/usr/bin/env bash
# End-to-end harness, sourced by every scenario: starts redis-server (AOF on,
# temp dir, free loopback port), animate-server and animate-worker processes,
# and stops them all on exit. Everything listens on 127.0.0.1 only and every
# wait is bounded, so a hung component fails the test instead of hanging it.
#
# Binaries come from the environment (ctest sets them with $<TARGET_FILE:...>):
#   ANIMATE_CLI ANIMATE_SERVER_BIN ANIMATE_WORKER_BIN ANIMATE_TINY_MODEL_BIN
#   ANIMATE_SAMPLE_INPUTS_BIN   and optionally REDIS_SERVER (default: PATH)
#   ANIMATE_E2E_CACHE  folder for the tiny model + sample inputs (shared by tests)
#   ANIMATE_E2E_KEEP=1 keep the temp dir (logs) after the run
# Variables set here are used by the scenarios that source this file.
# shellcheck disable=SC2034,SC2119,SC2120
set -euo pipefail

: "${ANIMATE_CLI:?set ANIMATE_CLI to the animate binary}"
: "${ANIMATE_SERVER_BIN:?}" "${ANIMATE_WORKER_BIN:?}" "${ANIMATE_TINY_MODEL_BIN:?}"
REDIS_SERVER=${REDIS_SERVER:-$(command -v redis-server || true)}
[[ -n $REDIS_SERVER ]] || { echo "redis-server not found" >&2; exit 1; }

E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/animate-e2e.XXXXXX")
E2E_CACHE=${ANIMATE_E2E_CACHE:-${TMPDIR:-/tmp}/animate-e2e-cache}
declare -A E2E_PIDS=()  # name -> pid of every process we started
REDIS_PORT="" GRPC_PORT="" METRICS_PORT=""
# Small, fast jobs on the tiny model (override per scenario).
JOB_FLAGS=(--width 64 --height 64 --frames 5 --steps 2 --seed 7)
# A job that runs for several seconds (~15 s on one CPU thread), for
# crash/cancel/restart scenarios that must hit it mid-run.
# (300 steps: the harness's server allows up to 1000, --max-steps below.)
LONG_JOB_FLAGS=(--width 128 --height 128 --frames 17 --steps 300 --seed 5)

log() { echo "[e2e $(date +%H:%M:%S)] $*" >&2; }
fail() {
  log "FAIL: $*"
  for f in "$E2E_DIR"/*.log; do
    [[ -f $f ]] || continue
    echo "----- tail of $f" >&2
    tail -n 30 "$f" >&2
  done
  exit 1
}

# Stops everything we started: SIGTERM first (graceful paths get exercised),
# SIGKILL after 10 s.
e2e_cleanup() {
  local rc=$?
  local name
  for name in "${!E2E_PIDS[@]}"; do kill -TERM "${E2E_PIDS[$name]}" 2>/dev/null || true; done
  local deadline=$((SECONDS + 10))
  for name in "${!E2E_PIDS[@]}"; do
    while kill -0 "${E2E_PIDS[$name]}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "${E2E_PIDS[$name]}" 2>/dev/null || true
    wait "${E2E_PIDS[$name]}" 2>/dev/null || true
  done
  if [[ ${ANIMATE_E2E_KEEP:-0} == 1 || $rc -ne 0 ]]; then
    log "logs kept in $E2E_DIR"
  else
    rm -rf "$E2E_DIR"
  fi
  exit "$rc"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls every 0.2 s. Set WAIT_PID
# to fail at once when that process dies while we wait for it.
wait_for() {
  local limit=$1 what=$2
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "timed out after ${limit}s waiting for $what"
    if [[ -n ${WAIT_PID:-} ]] && ! kill -0 "$WAIT_PID" 2>/dev/null; then
      fail "process $WAIT_PID exited while waiting for $what"
    fi
    sleep 0.2
  done
}

# The tiny model and the sample inputs are made once and shared (flock:
# ctest may run scenarios in parallel).
prepare_assets() {
  mkdir -p "$E2E_CACHE"
  (
    flock 9
    if [[ ! -f $E2E_CACHE/model.done ]]; then
      log "writing the tiny model"
      rm -rf "$E2E_CACHE/model"
      "$ANIMATE_TINY_MODEL_BIN" --out "$E2E_CACHE/model" >"$E2E_CACHE/model.log" 2>&1
      touch "$E2E_CACHE/model.done"
    fi
    if [[ ! -f $E2E_CACHE/inputs.done ]]; then
      log "writing the sample inputs"
      "$ANIMATE_SAMPLE_INPUTS_BIN" --out "$E2E_CACHE/inputs" >/dev/null
      touch "$E2E_CACHE/inputs.done"
    fi
  ) 9>"$E2E_CACHE/.lock"
  MODEL_ROOT=$E2E_CACHE/model
  SAMPLE_IMAGE=$E2E_CACHE/inputs/reference.png
  SAMPLE_POSE=$E2E_CACHE/inputs/pose.mp4
  SAMPLE_REF_POSE=$E2E_CACHE/inputs/reference_pose.png
}

# start_redis: AOF with fsync on every write, so a kill -9 loses nothing
# that was acknowledged.
start_redis() {
  [[ -n $REDIS_PORT ]] || REDIS_PORT=$(free_port)
  mkdir -p "$E2E_DIR/redis"
  "$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$E2E_DIR/redis" \
    --appendonly yes --appendfsync always --save "" --daemonize no \
    >>"$E2E_DIR/redis.log" 2>&1 &
  E2E_PIDS[redis]=$!
  WAIT_PID=$! wait_for 20 "redis on $REDIS_PORT" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
  REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
}

# kill_process NAME [SIGNAL]: signal one of our processes and reap it.
kill_process() {
  local name=$1 signal=${2:-TERM}
  local pid=${E2E_PIDS[$name]:-}
  [[ -n $pid ]] || fail "no process named $name"
  kill "-$signal" "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 20))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "E2E_PIDS[$name]"
}

# Extra flags of the health probes (e.g. --ca-cert for a TLS server).
HEALTH_FLAGS=()
healthy() { "$ANIMATE_CLI" "${HEALTH_FLAGS[@]}" health --addr "$1" >/dev/null 2>&1; }

# start_server [extra server flags...]: without --api-keys-file among them the
# server runs with --insecure-no-auth (every caller is tenant "default").
start_server() {
  [[ -n $GRPC_PORT ]] || GRPC_PORT=$(free_port)
  [[ -n $METRICS_PORT ]] || METRICS_PORT=$(free_port)
  local auth=(--insecure-no-auth)
  [[ " $* " == *" --api-keys-file "* ]] && auth=()
  "$ANIMATE_SERVER_BIN" --listen "127.0.0.1:$GRPC_PORT" --metrics-listen "127.0.0.1:$METRICS_PORT" \
    --redis-url "$REDIS_URL" --max-steps 1000 "${auth[@]}" "$@" >>"$E2E_DIR/server.log" 2>&1 &
  E2E_PIDS[server]=$!
  WAIT_PID=$! wait_for 30 "animate-server health on $GRPC_PORT" healthy "127.0.0.1:$GRPC_PORT"
  export ANIMATE_SERVER=127.0.0.1:$GRPC_PORT
  unset ANIMATE_API_KEY
}

# start_worker NAME [extra worker flags...]: sets WORKER_HEALTH_<NAME> and
# WORKER_METRICS_<NAME> (ports).
start_worker() {
  local name=$1
  shift
  local health_port metrics_port
  health_port=$(free_port)
  metrics_port=$(free_port)
  "$ANIMATE_WORKER_BIN" --model-root "$MODEL_ROOT" --redis-url "$REDIS_URL" --device cpu \
    --threads 1 --health-listen "127.0.0.1:$health_port" \
    --metrics-listen "127.0.0.1:$metrics_port" "$@" >>"$E2E_DIR/worker-$name.log" 2>&1 &
  E2E_PIDS[worker-$name]=$!
  printf -v "WORKER_HEALTH_$name" '%s' "$health_port"
  printf -v "WORKER_METRICS_$name" '%s' "$metrics_port"
  WAIT_PID=${E2E_PIDS[worker-$name]} wait_for 180 "animate-worker $name ready" healthy "127.0.0.1:$health_port"
}

# cli ARGS...: the CLI with its stderr kept in $E2E_DIR/cli.log.
cli() { "$ANIMATE_CLI" "$@" 2>>"$E2E_DIR/cli.log"; }

# expect_exit CODE ARGS...: runs the CLI and checks its exit code; the
# stderr text is left in $LAST_STDERR for message checks.
expect_exit() {
  local want=$1
  shift
  local rc=0
  LAST_STDERR=$("$ANIMATE_CLI" "$@" 2>&1 >/dev/null) || rc=$?
  [[ $rc -eq $want ]] || fail "animate $* exited $rc, expected $want: $LAST_STDERR"
  log "ok: animate $(head -c 80 <<<"$*") -> exit $rc ${LAST_STDERR:+($(tail -n 1 <<<"$LAST_STDERR" | head -c 300))}"
}

# json_field JSON KEY: a top-level scalar of a one-line JSON object.
json_field() {
  /usr/bin/python3 -c 'import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2], ""); print(v)' "$1" "$2"
}

job_state() { json_field "$(cli status "$1" --json)" state; }

# wait_state JOB STATE SECONDS
wait_state() {
  local job=$1 want=$2 limit=$3
  local deadline=$((SECONDS + limit)) state=""
  while ((SECONDS < deadline)); do
    state=$(job_state "$job" || true)
    [[ $state == "$want" ]] && return 0
    sleep 0.2
  done
  fail "job $job is $state after ${limit}s, expected $want"
}

# check_mp4 FILE [FRAMES]: ffprobe finds an H.264 stream (with FRAMES frames).
check_mp4() {
  local file=$1 frames=${2:-}
  [[ -s $file ]] || fail "$file is missing or empty"
  local probe
  probe=$(ffprobe -v error -select_streams v:0 -count_frames \
    -show_entries stream=codec_name,width,height,nb_read_frames -of csv=p=0 "$file") ||
    fail "ffprobe rejects $file"
  [[ $probe == h264,* ]] || fail "$file: unexpected stream '$probe'"
  if [[ -n $frames ]]; then
    [[ ${probe##*,} == "$frames" ]] || fail "$file: '$probe', expected $frames frames"
  fi
  log "ok: $file is a valid MP4 ($probe)"
}

# metric_value URL SERIES: the value of one series, given as 'name' or
# 'name{a="x",b="y"}' (label order does not matter); empty when absent.
metric_value() {
  curl -fsS --max-time 5 "$1" | /usr/bin/python3 -c '
import re, sys
def parse(series):
    m = re.match(r"([^{ ]+)(?:\{(.*)\})?$", series)
    labels = dict(re.findall(r"(\w+)=\"((?:[^\"\\]|\\.)*)\"", m.group(2) or ""))
    return m.group(1), labels
want = parse(sys.argv[1])
for line in sys.stdin:
    if line.startswith("#") or not line.strip():
        continue
    series, value = line.rsplit(None, 1) if "}" not in line else (line[:line.rindex("}") + 1], line[line.rindex("}") + 1:].split()[0])
    if parse(series.strip()) == want:
        print(value)
        break
' "$2"
}
