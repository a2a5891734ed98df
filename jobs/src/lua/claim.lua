-- Reclaims expired leases, then leases the best queued job whose tenant is
-- under its running limit.
-- args: worker_id token lease_ms max_running_per_tenant scan maintenance_batch
-- returns false, or {job id, attempt, lease expiry, job hash (flat)}
local worker, token = arg(1), arg(2)
local lease_ms = tonumber(arg(3))
local max_running = tonumber(arg(4))
local scan = tonumber(arg(5))
maintain(tonumber(arg(6)))

local candidates = redis.call('ZRANGE', QUEUE, 0, scan - 1)
for _, id in ipairs(candidates) do
  local job = job_get(id)
  if job == nil or job.state ~= 'queued' then
    redis.call('ZREM', QUEUE, id)  -- expired or inconsistent entry: never claimable
  elseif max_running == 0 or
         tonumber(redis.call('HGET', tkey(job.tenant), 'running') or '0') < max_running then
    local jk = jkey(id)
    redis.call('ZREM', QUEUE, id)
    redis.call('ZREM', DEADLINES, id)
    local attempt = redis.call('HINCRBY', jk, 'attempt', 1)
    local expires = extend_lease(id, lease_ms)
    redis.call('HSET', jk, 'lease_token', token, 'worker', worker)
    if tonumber(job.start_ms or '0') == 0 then redis.call('HSET', jk, 'start_ms', int(NOW)) end
    local max_run = tonumber(job.max_run_ms or '0')
    if max_run > 0 then
      redis.call('HSET', jk, 'run_deadline_ms', int(NOW + max_run))
      redis.call('ZADD', DEADLINES, NOW + max_run, id)
    end
    blob_delete(result_bid(id))  -- a lost attempt's partial output
    -- The inputs must last this attempt and any that follow.
    job.attempt = tostring(attempt)
    extend_job_assets(job, job_input_lifetime(job))
    set_state(id, job.tenant, 'queued', 'running')
    publish(id, {'type', 'state', 'state', 'running', 'attempt', tostring(attempt),
                 'reason', 'claimed by ' .. worker})
    return {id, attempt, expires, redis.call('HGETALL', jk)}
  end
end
return false
