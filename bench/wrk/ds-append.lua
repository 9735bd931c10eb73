-- wrk script for the Durable Streams append scenario: POST {prefix}/{path} with a JSON array of BATCH
-- messages per request, on the service's /ds or a reference server. Run with as many threads as
-- connections (wrk -tC -cC): each thread appends to its own stream, whose URL paths come one a line
-- from $WRK_IDS (created beforehand with content type application/json). An append answers 200 or 204,
-- so every 2xx counts as ok here ("non200" in the result is then the non-2xx answers).
-- Env: WRK_IDS, BATCH, WRK_OUT (see result.lua).
dofile(os.getenv("WRK_DIR") .. "/result.lua")

local ids = {}
for line in io.lines(os.getenv("WRK_IDS")) do ids[#ids + 1] = line end
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("path", ids[next_id])
  register(thread)
end

function init(args)
  local batch = tonumber(os.getenv("BATCH"))
  local messages = {}
  for i = 1, batch do messages[i] = '{"type":"token","data":{"text":"lorem ipsum "}}' end
  req = wrk.format("POST", path, { ["Content-Type"] = "application/json" }, "[" .. table.concat(messages, ",") .. "]")
end

function request()
  return req
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else non200 = non200 + 1 end
end
