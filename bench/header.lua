-- wrk script: sends the header given as "Name: value" after "--" on every request (the same
-- credentials each time, as a keep-alive browser does once signed in).
function init(args)
  if args[1] ~= nil then
    local name, value = args[1]:match("^([^:]+):%s*(.*)$")
    wrk.headers[name] = value
  end
end
