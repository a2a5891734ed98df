-- Moves a fully written temporary blob into place as an asset, unless the
-- same content is there already (then the temporary one is dropped).
-- args: tmp_blob_id asset_blob_id ttl_ms n {name value}*
-- returns {deduplicated (0/1), meta hash (flat)}
local tmp, bid, ttl = arg(1), arg(2), tonumber(arg(3))
local meta = blob_meta(bid)
if redis.call('HGET', meta, 'complete') == '1' then
  blob_delete(tmp)
  blob_extend(bid, ttl)
  return {1, redis.call('HGETALL', meta)}
end
if redis.call('EXISTS', blob_meta(tmp)) == 0 then
  return fail('NOT_FOUND', '-', 'upload ' .. tmp .. ' expired before it was committed')
end
blob_delete(bid)  -- leftovers of an older incomplete write, if any
local n = blob_layout(tmp)
for c = 0, n - 1 do redis.call('RENAME', blob_chunk(tmp, c), blob_chunk(bid, c)) end
redis.call('RENAME', blob_meta(tmp), meta)
local fields = {'complete', '1', 'create_ms', int(NOW)}
local count = tonumber(arg(4))
for k = 0, count - 1 do
  fields[#fields + 1] = arg(5 + 2 * k)
  fields[#fields + 1] = arg(6 + 2 * k)
end
redis.call('HSET', meta, unpack(fields))
blob_expire(bid, ttl)
return {0, redis.call('HGETALL', meta)}
