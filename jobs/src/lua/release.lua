-- Hands a running job back to the queue (a draining worker). The first
-- FREE_RELEASES hand-backs use no attempt; after that each one does, and a
-- job out of attempts is failed instead of bouncing between draining workers
-- forever.
-- args: job_id token reason
local FREE_RELEASES = 5
local id, token = arg(1), arg(2)
local job, err = fenced(id, token)
if job == nil then return err end
local releases = redis.call('HINCRBY', jkey(id), 'releases', 1)
if releases <= FREE_RELEASES then
  job.attempt = tostring(redis.call('HINCRBY', jkey(id), 'attempt', -1))
elseif tonumber(job.attempt or '0') >= tonumber(job.max_attempts or '1') then
  finish(id, job, 'failed', 10,
         'handed back by draining workers ' .. releases .. ' times and out of attempts', '',
         'handed back too often')
  return 1
end
requeue(id, job, arg(3))
return 1
