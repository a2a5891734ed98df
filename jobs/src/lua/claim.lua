-- Reclaims expired leases, then leases a queued job, sharing the workers
-- fairly between tenants: among the tenants with queued jobs and under their
-- running limit, the one with the fewest running jobs goes first (ties: the
-- best-placed head, i.e. priority with aging, then age); within a tenant,
-- queue order. One tenant's backlog therefore never hides another's jobs.
-- args: worker_id token lease_ms max_running_per_tenant scan maintenance_batch
-- returns false, or {job id, attempt, lease expiry, job hash (flat)}
local worker, token = arg(1), arg(2)
local lease_ms = tonumber(arg(3))
local max_running = tonumber(arg(4))
local scan = tonumber(arg(5))
maintain(tonumber(arg(6)))

-- Jobs queued before the per-tenant index existed join it once.
if redis.call('EXISTS', TQUEUE_BUILT) == 0 then
  local all = redis.call('ZRANGE', QUEUE, 0, -1, 'WITHSCORES')
  for i = 1, #all, 2 do
    local tenant = redis.call('HGET', jkey(all[i]), 'tenant')
    if tenant then
      redis.call('ZADD', tqkey(tenant), all[i + 1], all[i])
      redis.call('SADD', QUEUED_TENANTS, tenant)
    else
      redis.call('ZREM', QUEUE, all[i])
    end
  end
  redis.call('SET', TQUEUE_BUILT, '1')
end

local best_id, best_running, best_score
for _, tenant in ipairs(redis.call('SMEMBERS', QUEUED_TENANTS)) do
  local running = tonumber(redis.call('HGET', tkey(tenant), 'running') or '0')
  if max_running == 0 or running < max_running then
    -- The tenant's head; entries of jobs that are gone or no longer queued
    -- (at most `scan` per claim) are dropped on the way.
    for _ = 1, scan do
      local head = redis.call('ZRANGE', tqkey(tenant), 0, 0, 'WITHSCORES')
      if #head == 0 then
        redis.call('SREM', QUEUED_TENANTS, tenant)
        break
      end
      local state = redis.call('HGET', jkey(head[1]), 'state')
      if state == 'queued' then
        local score = tonumber(head[2])
        if best_id == nil or running < best_running or
           (running == best_running and score < best_score) then
          best_id, best_running, best_score = head[1], running, score
        end
        break
      end
      queue_remove(head[1], tenant)
    end
  end
end
if best_id == nil then return false end

local id = best_id
local job = job_get(id)
local jk = jkey(id)
queue_remove(id, job.tenant)
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
