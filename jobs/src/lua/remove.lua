-- Deletes a finished job with its events, result and index entries.
-- args: job_id
local id = arg(1)
local job = job_get(id)
if job == nil then return fail('NOT_FOUND', 'job_id', 'job ' .. id .. ' not found') end
if job.state == 'queued' or job.state == 'running' then
  return fail('FAILED_PRECONDITION', 'job_id', 'job ' .. id .. ' is ' .. job.state ..
              '; cancel it first')
end
blob_delete(result_bid(id))
redis.call('DEL', jkey(id), ekey(id))
redis.call('ZREM', ikey(job.tenant, 'all'), id)
redis.call('ZREM', ikey(job.tenant, job.state), id)
redis.call('ZREM', DEADLETTER, id)
if job.idempotency_key ~= nil and job.idempotency_key ~= '' then
  local ik = idem_key(job.tenant, job.idempotency_key)
  if redis.call('GET', ik) == id then redis.call('DEL', ik) end
end
return 1
