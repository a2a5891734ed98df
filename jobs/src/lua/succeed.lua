-- Ends a job successfully; seals its result blob.
-- args: job_id token size sha256 content_type width height frames fps duration_ms
local id, token = arg(1), arg(2)
local job, err = fenced(id, token)
if job == nil then return err end
local _, size = blob_layout(result_bid(id))
if tonumber(arg(3)) ~= size then
  return fail('FAILED_PRECONDITION', 'size_bytes', 'result has ' .. int(size) ..
              ' bytes, not ' .. arg(3))
end
local meta = blob_meta(result_bid(id))
if size > 0 then
  redis.call('HSET', meta, 'complete', '1', 'sha256', arg(4), 'content_type', arg(5))
end
local res = {'res_size', arg(3), 'res_sha256', arg(4), 'res_content_type', arg(5),
             'res_width', arg(6), 'res_height', arg(7), 'res_frames', arg(8), 'res_fps', arg(9),
             'res_duration_ms', arg(10)}
redis.call('HSET', jkey(id), unpack(res))
finish(id, job, 'succeeded', nil, nil, nil, 'succeeded', res)
return 1
