-- args: blob_id. returns 1 when it existed
return blob_delete(arg(1))
