#!/usr/bin/env bash
# The HTTP acceptance ratio, measured fairly on a shared machine: rounds
# that alternate the in-process 2-thread search (vector-bench: HNSW M=16,
# efC=200, ef 40) with wrk at 4 connections against a store of the same
# data and index options (loaded by service_bench.py with
# --index '{"m":16,"ef_construction":200}'), so both figures of a round
# see the same machine load. Both run for the same number of seconds (the
# in-process threads repeat the queries until then), so a burst of load
# from other tenants of the host weighs the same on each. Prints each round
# and the median ratio.
#   http_ratio.sh <base-url> <dataset> <store> [rounds] [wrk-seconds] [metric]
# (metric: the store's, l2 by default; cosine for a minilm store.)
set -euo pipefail
url=$1; ds=$2; store=$3; rounds=${4:-3}; seconds=${5:-10}; metric=${6:-l2}
here=$(cd "$(dirname "$0")" && pwd)
root="$here/../.."
data=${VECTOR_DATA:-/tmp/helios-vector-data}
[ -f "$data/${ds}_query.npy" ] || data="$here/../../../shared/bench/vector/data"
bodies=$(mktemp)
trap 'rm -f "$bodies"' EXIT
python3 - "$data/${ds}_query.npy" > "$bodies" <<'PY'
import json, sys, numpy as np
for q in np.load(sys.argv[1]).astype(np.float32)[:200]:
    print(json.dumps({"vector": [float(x) for x in q], "top_k": 10}))
PY
ratios=()
for r in $(seq "$rounds"); do
  inproc=$("$root/.build/release/vector-bench" --dataset "$ds" --data "$data" --queries 500 --ef 40 --seconds "$seconds" --metric "$metric" \
           | python3 -c 'import json,sys; print([json.loads(l) for l in sys.stdin if "qps_2_threads" in l][-1]["qps_2_threads"])')
  http=$(SEARCH_BODIES=$bodies SEARCH_PATH="/v1/vectors/stores/$store/search" \
         wrk -t2 -c4 -d"${seconds}s" -s "$here/search.lua" "$url" | awk '/^requests\/s/ {print $2}')
  ratio=$(python3 -c "print(round($http / $inproc, 3))")
  ratios+=("$ratio")
  printf 'round %s: in-process 2 threads %.0f QPS, HTTP 4 connections %.0f QPS, ratio %s\n' "$r" "$inproc" "$http" "$ratio"
done
python3 -c "import statistics,sys; print('median ratio', statistics.median(map(float, sys.argv[1:])))" "${ratios[@]}"
