-- wrk script: send 16 requests per write (HTTP/1.1 pipelining), as in the TechEmpower plaintext test.
init = function(args)
  local depth = tonumber(args[1]) or 16
  local r = {}
  for i = 1, depth do r[i] = wrk.format() end
  req = table.concat(r)
end
request = function()
  return req
end
