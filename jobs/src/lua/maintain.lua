-- Lease expiry, deadlines, and pruning of listing indexes whose jobs expired.
-- args: limit
-- returns {requeued, dead_lettered, deadline_failed, lost_cancelled} since the
-- last call, including what claims did (they run maintenance too)
local limit = tonumber(arg(1))
maintain(limit)
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
return collect_maintenance_stats()
