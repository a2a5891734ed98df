#!/usr/bin/env bash
# kill -9 of the worker running a job: after the lease expires the other
# worker takes the job over (attempt 2) and it succeeds.
# shellcheck source=harness.sh
source "$(dirname "$0")/harness.sh"
prepare_assets
start_redis
start_server
start_worker a --lease-seconds 3
start_worker b --lease-seconds 3

job=$(cli submit --detach --image "$SAMPLE_IMAGE" --pose "$SAMPLE_POSE" "${LONG_JOB_FLAGS[@]}") || fail "submit failed"
wait_state "$job" JOB_STATE_RUNNING 60
# Which worker has it: the one whose jobs_running gauge is 1.
victim=""
deadline=$((SECONDS + 20))
while [[ -z $victim ]] && ((SECONDS < deadline)); do
  for w in a b; do
    port_var=WORKER_METRICS_$w
    running=$(metric_value "http://127.0.0.1:${!port_var}/metrics" animate_jobs_running || true)
    [[ ${running%.*} == 1 ]] && victim=$w
  done
  [[ -n $victim ]] || sleep 0.2
done
[[ -n $victim ]] || fail "no worker reports the running job"
log "killing worker $victim (kill -9) mid-job"
kill_process "worker-$victim" KILL

out=$E2E_DIR/out.mp4
cli watch "$job" -o "$out" >/dev/null || fail "job $job did not succeed after the crash"
check_mp4 "$out"
attempt=$(json_field "$(cli status "$job" --json)" attempt)
[[ $attempt -ge 2 ]] || fail "attempt is $attempt, expected a retry"
log "PASS worker_crash (attempt $attempt)"
