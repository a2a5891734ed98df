-- Appends MP4 bytes to the job's result and announces them.
-- args: job_id token lease_ms data init_segment(0/1) [expected_offset]
-- returns the offset of the bytes
-- With expected_offset the append is idempotent, so a writer may retry after
-- losing a reply (Redis timeout, failover): when the result already ends with
-- these bytes at that offset the script only reports it; any other size is
-- FAILED_PRECONDITION (the writer's idea of its output is wrong).
local id, token, lease_ms, data, init = arg(1), arg(2), tonumber(arg(3)), arg(4), arg(5)
local expected = tonumber(arg(6) or '')
local job, err = fenced(id, token)
if job == nil then return err end
if expected ~= nil then
  local _, size = blob_layout(result_bid(id))
  if size == expected + #data then
    extend_lease(id, lease_ms)
    return expected
  end
  if size ~= expected then
    return fail('FAILED_PRECONDITION', '-', 'result of job ' .. id .. ' has ' .. size ..
                ' bytes, the writer expected ' .. expected)
  end
end
local offset = blob_append(result_bid(id), data, 0)
publish(id, {'type', 'chunk', 'offset', int(offset), 'size', int(#data), 'init', init,
             'attempt', job.attempt or '0'})
extend_lease(id, lease_ms)
return offset
