-- Creates a job atomically with its idempotency key, bounds and first event.
-- args: id tenant idem_key idem_ttl_ms fingerprint_source priority aging_ms
--       max_queued max_queued_tenant max_attempts max_queue_ms max_run_ms
--       asset_min_ttl_ms n_assets {asset_id field}* n_fields {name value}*
-- returns {'created'|'existing', job hash (flat), queue position}
local id, tenant, idem = arg(1), arg(2), arg(3)
local _ = arg(4)  -- idem_ttl_ms: unused since keys follow their job
local fingerprint = redis.sha1hex(arg(5))
local priority = tonumber(arg(6))
local aging = tonumber(arg(7))
local max_queued, max_queued_tenant = tonumber(arg(8)), tonumber(arg(9))
local max_attempts, max_queue_ms, max_run_ms = arg(10), tonumber(arg(11)), tonumber(arg(12))
local asset_min_ttl = tonumber(arg(13))
local n_assets = tonumber(arg(14))
local i = 15

local function position(job_id)
  local rank = redis.call('ZRANK', QUEUE, job_id)
  if rank then return rank + 1 end
  return 0
end

if idem ~= '' then
  local existing = redis.call('GET', idem_key(tenant, idem))
  if existing then
    local fp = redis.call('HGET', jkey(existing), 'fingerprint')
    if fp == fingerprint then
      return {'existing', redis.call('HGETALL', jkey(existing)), position(existing)}
    elseif fp then
      return fail('ALREADY_EXISTS', 'idempotency_key', 'idempotency key "' .. idem ..
                  '" was used for a different request (job ' .. existing .. ')')
    end
    -- The job it named is gone (deleted or expired): the key is free again.
  end
end

if max_queued > 0 and redis.call('ZCARD', QUEUE) >= max_queued then
  return fail('RESOURCE_EXHAUSTED', '-', 'the queue is full (' .. max_queued .. ' jobs)')
end
if max_queued_tenant > 0 and
   tonumber(redis.call('HGET', tkey(tenant), 'queued') or '0') >= max_queued_tenant then
  return fail('RESOURCE_EXHAUSTED', '-', 'tenant ' .. tenant .. ' has ' .. max_queued_tenant ..
              ' queued jobs (its quota)')
end

local assets = {}
for _ = 1, n_assets do
  local asset_id, field = arg(i), arg(i + 1)
  i = i + 2
  local meta = blob_meta('asset:' .. asset_id)
  if redis.call('HGET', meta, 'complete') ~= '1' then
    return fail('NOT_FOUND', field, 'asset ' .. asset_id .. ' not found (not uploaded, or expired)')
  end
  assets[#assets + 1] = asset_id
end
-- The job must not outlive its inputs.
for _, asset_id in ipairs(assets) do blob_extend('asset:' .. asset_id, asset_min_ttl) end

local jk = jkey(id)
local score = NOW - priority * aging
local n_fields = tonumber(arg(i))
i = i + 1
local fields = {'id', id, 'tenant', tenant, 'priority', tostring(priority),
                'score', int(score), 'attempt', '0', 'max_attempts', max_attempts,
                'max_queue_ms', int(max_queue_ms), 'max_run_ms', int(max_run_ms),
                'create_ms', int(NOW), 'idempotency_key', idem, 'fingerprint', fingerprint,
                'cancel_requested', '0', 'last_seq', '0'}
for _ = 1, n_fields do
  fields[#fields + 1] = arg(i)
  fields[#fields + 1] = arg(i + 1)
  i = i + 2
end
if max_queue_ms > 0 then
  fields[#fields + 1] = 'queue_deadline_ms'
  fields[#fields + 1] = int(NOW + max_queue_ms)
  redis.call('ZADD', DEADLINES, NOW + max_queue_ms, id)
end
redis.call('HSET', jk, unpack(fields))
set_state(id, tenant, '', 'queued')
redis.call('ZADD', ikey(tenant, 'all'), 0, id)
redis.call('SADD', TENANTS, tenant)
queue_add(id, tenant, score)
-- No expiry while the job lives: finish() gives the key the job's retention
-- (a key that expired while its job still ran would let a retry run twice).
if idem ~= '' then redis.call('SET', idem_key(tenant, idem), id) end
publish(id, {'type', 'state', 'state', 'queued', 'attempt', '0', 'reason', 'queued'})
wake()
return {'created', redis.call('HGETALL', jk), position(id)}
