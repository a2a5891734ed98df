-- args: blob_id data ttl_ms. returns the offset of the data
return blob_append(arg(1), arg(2), tonumber(arg(3)))
