-- args: blob_id ttl_ms (0 = persist); mode 'set' or 'extend'. returns 0 when missing
if redis.call('EXISTS', blob_meta(arg(1))) == 0 then return 0 end
if arg(3) == 'extend' then blob_extend(arg(1), tonumber(arg(2)))
else blob_expire(arg(1), tonumber(arg(2))) end
return 1
