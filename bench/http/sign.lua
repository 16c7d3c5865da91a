-- wrk script: signature POSTs with unique e-mail addresses. With PAYLOADS set, each
-- request carries its own pre-solved proof of work (the file's lines, split
-- between threads) and a thread stops when its share is used; with TOKEN set, it
-- signs as a trusted client instead.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  payloads = {}
  local total = tonumber(os.getenv("THREADS") or "2")
  local path = os.getenv("PAYLOADS")
  if path and path ~= "" then
    local n = 0
    for line in io.lines(path) do
      if n % total == id then payloads[#payloads + 1] = line end
      n = n + 1
    end
  end
  token = os.getenv("TOKEN")
  letter = os.getenv("LETTER")
end

function request()
  counter = counter + 1
  local proof = ""
  if #payloads > 0 then
    if counter > #payloads then
      wrk.thread:stop()
      return wrk.format("GET", "/healthz")
    end
    proof = ',"altcha":"' .. payloads[counter] .. '"'
  end
  local body = '{"name":"Bench Signer","email":"b' .. id .. "-" .. counter .. '-' .. os.time() ..
    '@bench.example","consent":true,"show_name":true' .. proof .. '}'
  local headers = { ["Content-Type"] = "application/json" }
  if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("POST", "/api/v1/letters/" .. letter .. "/signatures", headers, body)
end
