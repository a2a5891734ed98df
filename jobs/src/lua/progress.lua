-- Records and publishes progress, extending the lease.
-- args: job_id token lease_ms stage step total_steps window total_windows fraction
-- returns {cancel_requested (0/1), lease expiry}
local id, token, lease_ms = arg(1), arg(2), tonumber(arg(3))
local job, err = fenced(id, token)
if job == nil then return err end
local fields = {'stage', arg(4), 'step', arg(5), 'total_steps', arg(6), 'window', arg(7),
                'total_windows', arg(8), 'fraction', arg(9)}
redis.call('HSET', jkey(id), unpack(fields))
local ev = {'type', 'progress'}
for _, v in ipairs(fields) do ev[#ev + 1] = v end
publish(id, ev)
local expires = extend_lease(id, lease_ms)
return {tonumber(job.cancel_requested or '0'), expires}
