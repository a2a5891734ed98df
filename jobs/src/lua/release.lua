-- Hands a running job back to the queue without using up an attempt.
-- args: job_id token reason
local id, token = arg(1), arg(2)
local job, err = fenced(id, token)
if job == nil then return err end
job.attempt = tostring(redis.call('HINCRBY', jkey(id), 'attempt', -1))
requeue(id, job, arg(3))
return 1
