#!/usr/bin/env bash
# npm run bench:load: load on the local service with wrk (Debian's `wrk` package), on loopback
# only. Start the service first (`npm start`, port 8787 or $PORT). For /health and each endpoint:
# 30 s at 64 connections (DURATION and CONNECTIONS change them); prints latency percentiles, the
# count of non-2xx answers (which must be 0), and requests/s and p99 as ratios to /health's.
# A benchmark, not a CI test.
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

# /health first: every other endpoint is judged against it, measured by the same instance in the
# same run (targets from issue 11: at least 0.8x its requests/s, p99 at most 2x, no non-2xx).
failed=0
base_rps=""
base_p99=""
for path in "/health" "/v1/scorecards/${scorecard}" "/v1/commitments/${commitment}" \
  "/v1/commitments?q=waiting&limit=50" "/v1/commitments?deadline=passed-not-met&limit=50" "/v1/changes" \
  "/embed/scorecards/${scorecard}"; do
  echo "GET ${path}"
  out=$(wrk -t2 -c"${connections}" -d"${duration}" --latency -s "$script" "${origin}${path}")
  echo "$out" | grep -E "requests .* non-2xx|Requests/sec|Socket errors" | sed 's/^/  /'
  if echo "$out" | grep -Eq "non-2xx [1-9]"; then failed=1; fi
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | sed -nE 's/.*p99 ([0-9.]+) ms.*/\1/p')
  if [ -z "$base_rps" ]; then
    base_rps=$rps
    base_p99=$p99
  else
    awk -v r="$rps" -v br="$base_rps" -v p="$p99" -v bp="$base_p99" 'BEGIN {
      rr = r / br; pr = p / bp
      printf "  vs /health: %.2fx requests/s (target >= 0.8: %s), %.2fx p99 (target <= 2: %s)\n",
        rr, (rr >= 0.8 ? "met" : "MISSED"), pr, (pr <= 2 ? "met" : "MISSED") }'
  fi
done
exit $failed
