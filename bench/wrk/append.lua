-- wrk script for the append scenario: POST /v1/streams/{id}/events with BATCH token events per request.
-- Run with as many threads as connections (wrk -tC -cC): each thread has one connection and its own
-- session and stream, whose ids come one a line from the file $WRK_IDS (created beforehand).
-- Env: WRK_IDS, BATCH, WRK_OUT (see result.lua).
dofile(os.getenv("WRK_DIR") .. "/result.lua")

local ids = {}
for line in io.lines(os.getenv("WRK_IDS")) do ids[#ids + 1] = line end
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("stream_id", ids[next_id])
  register(thread)
end

function init(args)
  local batch = tonumber(os.getenv("BATCH"))
  local events = {}
  for i = 1, batch do events[i] = '{"type":"token","data":{"text":"lorem ipsum "}}' end
  local body = '{"events":[' .. table.concat(events, ",") .. ']}'
  req = wrk.format("POST", "/v1/streams/" .. stream_id .. "/events",
    { ["Content-Type"] = "application/json" }, body)
end

function request()
  return req
end
