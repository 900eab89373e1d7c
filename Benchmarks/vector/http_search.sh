#!/usr/bin/env bash
# Search throughput over HTTP with wrk (C, keep-alive, no client-side JSON
# work), against a store service_bench.py loaded: 1, 2 and 4 connections.
#   http_search.sh <base-url> <dataset> <store> [seconds]
set -euo pipefail
url=$1; ds=$2; store=$3; seconds=${4:-10}
here=$(cd "$(dirname "$0")" && pwd)
data=${VECTOR_DATA:-/tmp/helios-vector-data}
[ -f "$data/${ds}_query.npy" ] || data="$here/../../../shared/bench/vector/data"
bodies=$(mktemp)
python3 - "$data/${ds}_query.npy" > "$bodies" <<'PY'
import json, sys, numpy as np
for q in np.load(sys.argv[1]).astype(np.float32)[:200]:
    print(json.dumps({"vector": [float(x) for x in q], "top_k": 10}))
PY
for c in 1 2 4; do
  t=$(( c < 2 ? 1 : 2 ))
  printf "%s connections: " "$c"
  SEARCH_BODIES=$bodies SEARCH_PATH="/v1/vectors/stores/$store/search" \
    wrk -t"$t" -c"$c" -d"${seconds}s" -s "$here/search.lua" "$url" | grep -E "^requests/s|Non-2xx|Socket errors" | tr '\n' ' '
  echo
done
rm -f "$bodies"
