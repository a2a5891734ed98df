-- Cancels a job: queued ones at once, running ones by flag.
-- args: job_id reason
-- returns the job hash (flat)
local id, reason = arg(1), arg(2)
local job = job_get(id)
if job == nil then return fail('NOT_FOUND', 'job_id', 'job ' .. id .. ' not found') end
if job.state == 'queued' then
  finish(id, job, 'cancelled', 1, reason, '', 'cancelled')
elseif job.state == 'running' and job.cancel_requested ~= '1' then
  redis.call('HSET', jkey(id), 'cancel_requested', '1')
  publish(id, {'type', 'state', 'state', 'running', 'attempt', job.attempt or '0',
               'reason', 'cancel requested: ' .. reason})
end
return redis.call('HGETALL', jkey(id))
