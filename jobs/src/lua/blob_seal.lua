-- Marks a blob complete. args: blob_id sha256 content_type ttl_ms
local meta = blob_meta(arg(1))
if redis.call('EXISTS', meta) == 0 then
  return fail('NOT_FOUND', '-', 'blob ' .. arg(1) .. ' not found')
end
redis.call('HSET', meta, 'complete', '1', 'sha256', arg(2), 'content_type', arg(3))
blob_expire(arg(1), tonumber(arg(4)))
return 1
