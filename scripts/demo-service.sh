#!/usr/bin/env bash
# The service demo: redis-server (temp dir, AOF on), animate-server and
# animate-worker on the tiny random model, the sample job submitted with the
# CLI (progress shown, MP4 written as it is made), then everything shut down
# cleanly. Prints where the MP4 is.
#   ANIMATE_DEMO_OUT=DIR     where to put the MP4 (default: a new temp dir)
#   ANIMATE_SKIP_SETUP=1     skip scripts/setup.sh (packages already there)
#   ANIMATE_SKIP_BUILD=1     use the binaries already in build/
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
if [[ ${ANIMATE_SKIP_SETUP:-0} != 1 ]]; then bash scripts/setup.sh; fi
if [[ ${ANIMATE_SKIP_BUILD:-0} != 1 ]]; then
  ANIMATE_BUILD_TARGETS="animate animate-server animate-worker animate-tiny-model" \
    bash scripts/build.sh
fi

bin() { # the first built file called $1 under build/
  local found
  found=$(find "$root/build" -type f -name "$1" -perm -u+x -not -path '*/CMakeFiles/*' | head -n 1)
  [[ -n $found ]] || { echo "demo: $1 is not built" >&2; exit 1; }
  echo "$found"
}
cli=$(bin animate)
server_bin=$(bin animate-server)
worker_bin=$(bin animate-worker)
tiny_model_bin=$(bin animate-tiny-model)

work=$(mktemp -d "${TMPDIR:-/tmp}/animate-demo.XXXXXX")
out_dir=${ANIMATE_DEMO_OUT:-$work}
mkdir -p "$out_dir"
declare -A pids=()
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

stop_all() {
  # SIGTERM in reverse start order: the worker drains, the server stops
  # accepting, Redis writes its AOF; SIGKILL only after 30 s.
  local name
  for name in worker server redis; do
    [[ -n ${pids[$name]:-} ]] || continue
    kill -TERM "${pids[$name]}" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "${pids[$name]}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -KILL "${pids[$name]}" 2>/dev/null || true
    wait "${pids[$name]}" 2>/dev/null || true
    echo "demo: stopped $name"
  done
}
trap stop_all EXIT
trap 'exit 130' INT TERM

wait_healthy() { # address, what, seconds
  local deadline=$((SECONDS + $3))
  until "$cli" health --addr "$1" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "demo: $2 not healthy after $3 s; logs in $work" >&2
      tail -n 20 "$work"/*.log >&2 || true
      exit 1
    fi
    sleep 0.3
  done
  echo "demo: $2 is SERVING on $1"
}

echo "demo: writing the tiny model into $work; inputs from samples/"
"$tiny_model_bin" --out "$work/model" >"$work/tiny-model.log" 2>&1
inputs=$root/samples

redis_port=$(port)
mkdir -p "$work/redis"
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work/redis" --appendonly yes \
  --save "" >"$work/redis.log" 2>&1 &
pids[redis]=$!
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis_url=redis://127.0.0.1:$redis_port/0

# The server requires API keys (docs/service-contract.md): one random key for
# the tenant "demo", which the CLI sends (ANIMATE_API_KEY).
api_key=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
(umask 077 && echo "$api_key demo" >"$work/api-keys.txt")
export ANIMATE_API_KEY=$api_key
grpc_port=$(port)
"$server_bin" --listen "127.0.0.1:$grpc_port" --metrics-listen "127.0.0.1:$(port)" \
  --redis-url "$redis_url" --api-keys-file "$work/api-keys.txt" >"$work/server.log" 2>&1 &
pids[server]=$!
wait_healthy "127.0.0.1:$grpc_port" animate-server 30

worker_health=$(port)
"$worker_bin" --model-root "$work/model" --redis-url "$redis_url" --device cpu \
  --health-listen "127.0.0.1:$worker_health" --metrics-listen "127.0.0.1:$(port)" \
  >"$work/worker.log" 2>&1 &
pids[worker]=$!
wait_healthy "127.0.0.1:$worker_health" animate-worker 300

out=$out_dir/demo.mp4
echo "demo: submitting the sample job"
export ANIMATE_SERVER=127.0.0.1:$grpc_port
job=$("$cli" submit --image "$inputs/reference.png" --pose "$inputs/pose.mp4" \
  --ref-pose "$inputs/reference_pose.png" -o "$out" \
  --width 128 --height 128 --frames 17 --steps 8 --seed 42)
"$cli" status "$job"
stop_all
trap - EXIT
if command -v ffprobe >/dev/null; then
  ffprobe -v error -count_frames -show_entries stream=codec_name,width,height,nb_read_frames \
    -of compact "$out"
fi
echo "demo: the MP4 is $out (logs in $work)"
