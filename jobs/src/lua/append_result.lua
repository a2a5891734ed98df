-- Appends MP4 bytes to the job's result and announces them.
-- args: job_id token lease_ms data init_segment(0/1)
-- returns the offset of the bytes
local id, token, lease_ms, data, init = arg(1), arg(2), tonumber(arg(3)), arg(4), arg(5)
local job, err = fenced(id, token)
if job == nil then return err end
local offset = blob_append(result_bid(id), data, 0)
publish(id, {'type', 'chunk', 'offset', int(offset), 'size', int(#data), 'init', init,
             'attempt', job.attempt or '0'})
extend_lease(id, lease_ms)
return offset
