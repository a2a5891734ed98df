-- Extends a lease. args: job_id token lease_ms
-- returns {cancel_requested (0/1), lease expiry}
local id, token, lease_ms = arg(1), arg(2), tonumber(arg(3))
local job, err = fenced(id, token)
if job == nil then return err end
local expires = extend_lease(id, lease_ms)
return {tonumber(job.cancel_requested or '0'), expires}
