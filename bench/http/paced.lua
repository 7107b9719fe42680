-- wrk script: each connection pauses PAUSE_MS between an answer and its next request, so wrk
-- offers a steady, moderate load (about connections * 1000 / PAUSE_MS requests/s) rather than all
-- the server can take. wrk waits for each answer before the next request: at full speed, the few
-- requests held up by an expiry would be lost among the fast ones, below any percentile.
--   wrk -s paced.lua URL -- PAUSE_MS
local pause_ms = 25

function init(args)
  pause_ms = tonumber(args[1]) or pause_ms
end

function delay()
  return pause_ms
end

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "../common/wrk_report.lua")
