-- Lease expiry, deadlines, and pruning of listing indexes whose jobs expired.
-- args: limit
-- returns {requeued, dead_lettered, deadline_failed}
local limit = tonumber(arg(1))
local report = maintain(limit)
for _, tenant in ipairs(redis.call('SMEMBERS', TENANTS)) do
  for _, state in ipairs({'all', 'succeeded', 'failed', 'cancelled'}) do
    local key = ikey(tenant, state)
    -- Oldest first: ids sort by creation time and jobs expire roughly in
    -- that order, so stop at the first live job.
    for _, id in ipairs(redis.call('ZRANGEBYLEX', key, '-', '+', 'LIMIT', 0, limit)) do
      if redis.call('EXISTS', jkey(id)) == 1 then break end
      redis.call('ZREM', key, id)
    end
  end
end
return report
