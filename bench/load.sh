#!/usr/bin/env bash
# npm run bench:load: load on the local service with wrk (Debian's `wrk` package), on loopback
# only. Start the service first (`npm start`, port 8787 or $PORT). For each endpoint: 30 s at 64
# connections (DURATION and CONNECTIONS change them); prints latency percentiles and the count
# of non-2xx answers, which must be 0. A benchmark, not a CI test.
set -euo pipefail
port=${PORT:-8787}
origin="http://127.0.0.1:${port}"
duration=${DURATION:-30s}
connections=${CONNECTIONS:-64}
command -v wrk >/dev/null || { echo "bench:load needs wrk: apt-get install wrk" >&2; exit 2; }
curl -sf "${origin}/health" >/dev/null || { echo "nothing answers at ${origin}: run npm start first" >&2; exit 2; }

scorecard=$(curl -sf "${origin}/v1/scorecards?limit=1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).data[0].id))')
commitment=$(curl -sf "${origin}/v1/scorecards/${scorecard}" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).commitments[0].id))')

# Counts non-2xx answers per run (wrk's own "Non-2xx" line covers 3xx too; this counts exactly).
script=$(mktemp)
trap 'rm -f "$script"' EXIT
cat >"$script" <<'LUA'
-- Each wrk thread counts its own; done() runs apart from them and adds them up.
local threads = {}
setup = function(thread) table.insert(threads, thread) end
init = function(args) bad = 0 end
response = function(status, headers, body)
  if status < 200 or status > 299 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("bad") end
  io.write(string.format("  requests %d, non-2xx %d, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    summary.requests, total, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
LUA

failed=0
for path in "/v1/scorecards/${scorecard}" "/v1/commitments/${commitment}" "/v1/changes" "/embed/scorecards/${scorecard}"; do
  echo "GET ${path}"
  out=$(wrk -t2 -c"${connections}" -d"${duration}" --latency -s "$script" "${origin}${path}")
  echo "$out" | grep -E "requests .* non-2xx|Requests/sec|Socket errors" | sed 's/^/  /'
  if echo "$out" | grep -Eq "non-2xx [1-9]"; then failed=1; fi
done
exit $failed
