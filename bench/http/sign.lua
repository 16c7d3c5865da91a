-- wrk script: signature POSTs with unique e-mail addresses. With PAYLOADS set, each
-- request carries its own pre-solved proof of work (the file's lines, split
-- between threads) and a thread stops when its share is used; with TOKEN set, it
-- signs as a trusted client instead.
local threads = {}
FIRST = { "Anna", "Ivan", "Maria", "Pavel", "Elena", "Sergei", "Olga", "Dmitri", "Irina", "Alexei",
  "Natalia", "Mikhail", "Tatiana", "Nikolai", "Svetlana", "Andrei", "Ekaterina", "Yuri", "Daria", "Oleg" }
LAST = { "Ivanova", "Petrov", "Smirnova", "Kuznetsov", "Popova", "Sokolov", "Lebedeva", "Kozlov",
  "Novikova", "Morozov", "Volkova", "Solovyov", "Vasilieva", "Zaitsev", "Pavlova", "Semenov" }
CITY = { "Moscow", "Saint Petersburg", "Penza", "Kazan", "Novosibirsk", "Yekaterinburg", "Perm" }
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
  -- Names vary as real ones do (a common first and last name, and a serial so
  -- that few collide), so duplicate-name flags stay as rare as in a real letter.
  local first = FIRST[counter % #FIRST + 1]
  local last = LAST[math.floor(counter / #FIRST) % #LAST + 1]
  local body = '{"name":"' .. first .. ' ' .. last .. ' ' .. id .. 'x' .. counter .. '","email":"b' .. id .. "-" ..
    counter .. '-' .. os.time() .. '@bench.example","consent":true,"show_name":true' ..
    ',"affiliation":"Institute ' .. (counter % 97) .. '","city":"' .. CITY[counter % #CITY + 1] .. '"' .. proof .. '}'
  local headers = { ["Content-Type"] = "application/json" }
  if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("POST", "/api/v1/letters/" .. letter .. "/signatures", headers, body)
end
