-- wrk script: POST the bodies of BODIES (one per line) in turn, each
-- thread from its own offset, with Connection: close as the bank does.
-- Prints one machine-readable line at the end for bench/run.
local bodies = {}
for line in io.lines(os.getenv("BODIES")) do bodies[#bodies + 1] = line end
local path = os.getenv("BENCH_PATH") or "/bank/netsave"
local counter = 0
local offset = 0

function setup(thread)
	thread:set("offset", offset)
	offset = offset + math.floor(#bodies / 2)
end

function init(args)
	counter = offset
end

function request()
	counter = counter + 1
	local body = bodies[(counter % #bodies) + 1]
	return wrk.format("POST", path, {
		["Content-Type"] = "application/x-www-form-urlencoded",
		["Connection"] = "close",
	}, body)
end

function done(summary, latency, requests)
	io.write(string.format("RESULT requests=%d errors=%d non2xx=%d duration_us=%d p50_us=%d p99_us=%d\n",
		summary.requests,
		summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
		summary.errors.status, summary.duration,
		latency:percentile(50), latency:percentile(99)))
end
