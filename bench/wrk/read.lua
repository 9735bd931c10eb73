-- wrk script for the read scenarios: GET of the URL given to wrk (headers with -H); counts 200s.
-- Env: WRK_OUT (see result.lua).
dofile(os.getenv("WRK_DIR") .. "/result.lua")

function setup(thread)
  register(thread)
end
