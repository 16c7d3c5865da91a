-- wrk script: confirmation POSTs, each link once (the file's lines, split between
-- threads); a thread stops when its share is used.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  links = {}
  local total = tonumber(os.getenv("THREADS") or "2")
  local n = 0
  for line in io.lines(os.getenv("LINKS")) do
    if n % total == id then links[#links + 1] = line end
    n = n + 1
  end
end

function request()
  counter = counter + 1
  if counter > #links then
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  return wrk.format("POST", links[counter])
end
