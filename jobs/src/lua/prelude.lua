-- Shared by every animate script: it is prepended to each script body.
-- Common arguments: ARGV[1] key prefix, ARGV[2] event stream MAXLEN,
-- ARGV[3] retention of finished jobs (ms, 0 = forever), ARGV[4] blob chunk
-- size. A script's own arguments are arg(1), arg(2), ...
-- Errors are replies "<CODE> <field or -> <message>" that the C++ side turns
-- into JobsError. Time is the Redis server's clock (TIME), so workers and
-- servers with skewed clocks agree on lease expiry.
local P = ARGV[1]
local EVENTS_MAXLEN = ARGV[2]
local RETENTION_MS = tonumber(ARGV[3])
local CHUNK = tonumber(ARGV[4])
local function arg(i) return ARGV[4 + i] end

local function int(x) return string.format('%d', x) end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local NOW = now_ms()

local function fail(code, field, message)
  if field == nil or field == '' then field = '-' end
  return redis.error_reply(code .. ' ' .. field .. ' ' .. message)
end

local QUEUE = P .. 'queue'          -- zset: queued job ids, score = ordering time
local LEASES = P .. 'leases'        -- zset: running job ids, score = lease expiry
local DEADLINES = P .. 'deadlines'  -- zset: job ids, score = queue or run deadline
local DEADLETTER = P .. 'deadletter'
local WAKE = P .. 'wake'            -- list: wakes workers blocked in claim
local TENANTS = P .. 'tenants'      -- set: tenants with listing indexes
-- hash: what maintenance did since the server last collected it (claims run
-- maintenance too, so the counts cannot live in one script's reply)
local MAINTENANCE_STATS = P .. 'maintenance-stats'
local function jkey(id) return P .. 'job:' .. id end
local function ekey(id) return P .. 'events:' .. id end
local function tkey(tenant) return P .. 'tenant:' .. tenant end
local function ikey(tenant, state) return P .. 'index:' .. tenant .. ':' .. state end
local function idem_key(tenant, key) return P .. 'idem:' .. tenant .. ':' .. key end
-- Each tenant's queued jobs in queue order, and the tenants that have any:
-- claims pick across tenants (fair share), so one tenant's backlog never
-- hides another's jobs. Kept in step with QUEUE by queue_add/queue_remove.
local function tqkey(tenant) return P .. 'tqueue:' .. tenant end
local QUEUED_TENANTS = P .. 'queued-tenants'
local TQUEUE_BUILT = P .. 'tqueue-built'  -- set once the index covers QUEUE

local function queue_add(id, tenant, score)
  redis.call('ZADD', QUEUE, score, id)
  redis.call('ZADD', tqkey(tenant), score, id)
  redis.call('SADD', QUEUED_TENANTS, tenant)
end

local function queue_remove(id, tenant)
  redis.call('ZREM', QUEUE, id)
  if tenant ~= nil and tenant ~= '' then
    redis.call('ZREM', tqkey(tenant), id)
    if redis.call('ZCARD', tqkey(tenant)) == 0 then redis.call('SREM', QUEUED_TENANTS, tenant) end
  end
end

-- The job hash as a table, or nil.
local function job_get(id)
  local flat = redis.call('HGETALL', jkey(id))
  if #flat == 0 then return nil end
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end

local function wake()
  redis.call('RPUSH', WAKE, '1')
  redis.call('LTRIM', WAKE, -64, -1)
end

-- Appends an event; sequence numbers are the entry ids 0-1, 0-2, ...
local function publish(id, fields)
  local seq = redis.call('HINCRBY', jkey(id), 'last_seq', 1)
  local cmd = {'XADD', ekey(id), 'MAXLEN', '~', EVENTS_MAXLEN, '0-' .. seq, 'ts', int(NOW)}
  for _, v in ipairs(fields) do cmd[#cmd + 1] = v end
  redis.call(unpack(cmd))
  return seq
end

-- Moves a job between states, keeping listing indexes and tenant counters
-- in step (every state change goes through here).
local function set_state(id, tenant, from, to)
  if from ~= nil and from ~= '' then redis.call('ZREM', ikey(tenant, from), id) end
  redis.call('ZADD', ikey(tenant, to), 0, id)
  if from == 'queued' or from == 'running' then redis.call('HINCRBY', tkey(tenant), from, -1) end
  if to == 'queued' or to == 'running' then redis.call('HINCRBY', tkey(tenant), to, 1) end
  redis.call('HSET', jkey(id), 'state', to)
end

---------------------------------------------------------------- blobs
local function blob_meta(bid) return P .. 'blob:' .. bid end
local function blob_chunk(bid, n) return P .. 'blob:' .. bid .. ':' .. n end
local function blob_layout(bid)
  local v = redis.call('HMGET', blob_meta(bid), 'size', 'chunk_size')
  local size = tonumber(v[1] or '0')
  local cs = tonumber(v[2] or '0')
  local n = 0
  if cs > 0 then n = math.ceil(size / cs) end
  return n, size, cs
end

-- Sets the TTL of every key of a blob (0 = persist).
local function blob_expire(bid, ttl)
  local n = blob_layout(bid)
  local keys = {blob_meta(bid)}
  for i = 0, n - 1 do keys[#keys + 1] = blob_chunk(bid, i) end
  for _, k in ipairs(keys) do
    if ttl > 0 then redis.call('PEXPIRE', k, ttl) else redis.call('PERSIST', k) end
  end
end

-- Extends (never shortens) the TTL of a blob to at least ttl.
local function blob_extend(bid, ttl)
  local pttl = redis.call('PTTL', blob_meta(bid))
  if pttl >= 0 and pttl < ttl then blob_expire(bid, ttl) end
end

local function blob_delete(bid)
  local n = blob_layout(bid)
  for i = 0, n - 1 do redis.call('DEL', blob_chunk(bid, i)) end
  return redis.call('DEL', blob_meta(bid))
end

-- Appends data across fixed-size chunks; returns the offset it starts at.
local function blob_append(bid, data, ttl)
  local meta = blob_meta(bid)
  local _, size, cs = blob_layout(bid)
  if cs == 0 then
    cs = CHUNK
    redis.call('HSET', meta, 'chunk_size', int(cs), 'complete', '0', 'size', '0')
  end
  local offset = size
  local pos = 1
  while pos <= #data do
    local room = cs - (size % cs)
    local piece = string.sub(data, pos, pos + room - 1)
    redis.call('APPEND', blob_chunk(bid, math.floor(size / cs)), piece)
    size = size + #piece
    pos = pos + #piece
  end
  redis.call('HSET', meta, 'size', int(size))
  if ttl > 0 then blob_expire(bid, ttl) end
  return offset
end

---------------------------------------------------------------- transitions
local function result_bid(id) return 'result:' .. id end

-- Ends a job: terminal state, error, result fields, retention TTLs, event.
local function finish(id, job, to, code, message, field, reason, extra)
  local jk = jkey(id)
  queue_remove(id, job.tenant)
  redis.call('ZREM', LEASES, id)
  redis.call('ZREM', DEADLINES, id)
  set_state(id, job.tenant, job.state, to)
  redis.call('HDEL', jk, 'lease_token')
  local expire = 0
  if RETENTION_MS > 0 then expire = NOW + RETENTION_MS end
  redis.call('HSET', jk, 'end_ms', int(NOW), 'expire_ms', int(expire))
  local ev = {'type', 'state', 'state', to, 'attempt', job.attempt or '0', 'reason', reason}
  if code ~= nil then
    redis.call('HSET', jk, 'err_code', tostring(code), 'err_message', message, 'err_field', field)
    for _, v in ipairs({'err_code', tostring(code), 'err_message', message, 'err_field', field}) do
      ev[#ev + 1] = v
    end
  end
  for _, v in ipairs(extra or {}) do ev[#ev + 1] = v end
  publish(id, ev)
  if RETENTION_MS > 0 then
    redis.call('PEXPIRE', jk, RETENTION_MS)
    redis.call('PEXPIRE', ekey(id), RETENTION_MS)
    blob_expire(result_bid(id), RETENTION_MS)
    -- The idempotency key lives exactly as long as its job: a retry of the
    -- same request finds the job for as long as the job can be found.
    if job.idempotency_key ~= nil and job.idempotency_key ~= '' then
      local ik = idem_key(job.tenant, job.idempotency_key)
      if redis.call('GET', ik) == id then redis.call('PEXPIRE', ik, RETENTION_MS) end
    end
  end
end

-- Keeps a job's input assets for at least `ms` more (a job must never
-- outlive its inputs: at enqueue, and again whenever it is queued anew).
local function extend_job_assets(job, ms)
  for _, field in ipairs({'p:reference_image_asset_id', 'p:pose_video_asset_id',
                          'p:reference_pose_asset_id'}) do
    local asset_id = job[field]
    if asset_id ~= nil and asset_id ~= '' then blob_extend('asset:' .. asset_id, ms) end
  end
end

-- How long a queued job may still need its inputs: the queue time, every
-- attempt left at its run time, and an hour of margin (unbounded times
-- count as a day, as at enqueue).
local function job_input_lifetime(job)
  local day = 24 * 3600 * 1000
  local queue_ms = tonumber(job.max_queue_ms or '0')
  local run_ms = tonumber(job.max_run_ms or '0')
  if queue_ms <= 0 then queue_ms = day end
  if run_ms <= 0 then run_ms = day end
  local left = math.max(1, tonumber(job.max_attempts or '1') - tonumber(job.attempt or '0'))
  return queue_ms + run_ms * left + 3600 * 1000
end

-- Puts a running job back in the queue at its original place.
local function requeue(id, job, reason)
  local jk = jkey(id)
  redis.call('ZREM', LEASES, id)
  redis.call('ZREM', DEADLINES, id)
  redis.call('HDEL', jk, 'lease_token', 'lease_expires_ms', 'run_deadline_ms')
  redis.call('HSET', jk, 'stage', '', 'step', '0', 'total_steps', '0', 'window', '0',
             'total_windows', '0', 'fraction', '0')
  blob_delete(result_bid(id))
  set_state(id, job.tenant, 'running', 'queued')
  queue_add(id, job.tenant, job.score)
  -- Queued again: its max queue time starts again (it used to be dropped,
  -- so a requeued job could wait forever), and its inputs must last.
  local max_queue = tonumber(job.max_queue_ms or '0')
  if max_queue > 0 then
    redis.call('HSET', jk, 'queue_deadline_ms', int(NOW + max_queue))
    redis.call('ZADD', DEADLINES, NOW + max_queue, id)
  end
  extend_job_assets(job, job_input_lifetime(job))
  publish(id, {'type', 'state', 'state', 'queued', 'attempt', job.attempt or '0', 'reason', reason})
  wake()
end

-- Returns and records {requeued, dead_lettered, deadline_failed,
-- lost_cancelled}: jobs of lost workers retried, lost on their last attempt,
-- past a deadline, and cancelled while their worker was lost.
local function maintain(limit)
  local report = {0, 0, 0, 0}
  local expired = redis.call('ZRANGEBYSCORE', LEASES, '-inf', NOW, 'LIMIT', 0, limit)
  for _, id in ipairs(expired) do
    local job = job_get(id)
    if job == nil or job.state ~= 'running' then
      redis.call('ZREM', LEASES, id)
    else
      local attempt = tonumber(job.attempt or '0')
      local max_attempts = tonumber(job.max_attempts or '1')
      local who = job.worker or '?'
      if job.cancel_requested == '1' then
        finish(id, job, 'cancelled', 1, 'cancelled (worker ' .. who .. ' was lost before it stopped)',
               '', 'cancelled')
        report[4] = report[4] + 1
      elseif attempt >= max_attempts then
        finish(id, job, 'failed', 10,
               'dead-lettered: worker ' .. who .. ' was lost (lease expired) on attempt ' ..
               attempt .. ' of ' .. max_attempts, '', 'worker lost on the last attempt')
        redis.call('ZADD', DEADLETTER, NOW, id)
        redis.call('ZREMRANGEBYRANK', DEADLETTER, 0, -10001)
        report[2] = report[2] + 1
      else
        requeue(id, job, 'worker ' .. who .. ' was lost (lease expired) on attempt ' .. attempt ..
                ' of ' .. max_attempts .. '; retrying')
        report[1] = report[1] + 1
      end
    end
  end
  local due = redis.call('ZRANGEBYSCORE', DEADLINES, '-inf', NOW, 'LIMIT', 0, limit)
  for _, id in ipairs(due) do
    local job = job_get(id)
    if job ~= nil and job.state == 'queued' then
      finish(id, job, 'failed', 4, 'the job waited longer than its max queue time', '',
             'deadline exceeded')
      report[3] = report[3] + 1
    elseif job ~= nil and job.state == 'running' then
      -- Revoking the lease (finish drops the token) stops the worker at its
      -- next fenced call.
      finish(id, job, 'failed', 4, 'the job ran longer than its max run time', '',
             'deadline exceeded')
      report[3] = report[3] + 1
    else
      redis.call('ZREM', DEADLINES, id)
    end
  end
  local names = {'requeued', 'dead_lettered', 'deadline_failed', 'lost_cancelled'}
  for i, name in ipairs(names) do
    if report[i] > 0 then redis.call('HINCRBY', MAINTENANCE_STATS, name, report[i]) end
  end
  return report
end

-- Everything maintenance did since the last call, in maintain()'s order;
-- the counts are reset, so each is reported once (to one server replica).
local function collect_maintenance_stats()
  local v = redis.call('HMGET', MAINTENANCE_STATS, 'requeued', 'dead_lettered',
                       'deadline_failed', 'lost_cancelled')
  redis.call('DEL', MAINTENANCE_STATS)
  return {tonumber(v[1] or '0'), tonumber(v[2] or '0'), tonumber(v[3] or '0'),
          tonumber(v[4] or '0')}
end

-- Checks that `token` is the current lease of a running job; returns the
-- job, or nil and an error reply.
local function fenced(id, token)
  local job = job_get(id)
  if job == nil then return nil, fail('NOT_FOUND', 'job_id', 'job ' .. id .. ' not found') end
  if job.state ~= 'running' or job.lease_token ~= token then
    return nil, fail('ABORTED', '-', 'lease on job ' .. id .. ' lost (job is ' .. job.state ..
                     ', attempt ' .. (job.attempt or '0') .. ')')
  end
  return job, nil
end

local function extend_lease(id, lease_ms)
  local expires = NOW + lease_ms
  redis.call('ZADD', LEASES, expires, id)
  redis.call('HSET', jkey(id), 'lease_expires_ms', int(expires))
  return expires
end
