-- Ends a job as failed or cancelled (by its lease holder).
-- args: job_id token state('failed'|'cancelled') code message field
local id, token, state = arg(1), arg(2), arg(3)
local job, err = fenced(id, token)
if job == nil then return err end
finish(id, job, state, tonumber(arg(4)), arg(5), arg(6), state)
return 1
