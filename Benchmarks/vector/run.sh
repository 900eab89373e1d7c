#!/usr/bin/env bash
# Vector search benchmark: Helios's HNSW (in-process, release build) and
# the peers of ../shared/bench/vector (hnswlib, FAISS, usearch) on the same
# data in the same run, then the HTTP path with service_bench.py.
#   Benchmarks/vector/run.sh              # minilm (384-d) and synth (100k x 128)
#   DATASETS=minilm SKIP_HTTP=1 Benchmarks/vector/run.sh
#   SKIP_INPROC=1 Benchmarks/vector/run.sh   # the HTTP part only
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-../shared/bench/vector}
OUT=${OUT:-/tmp/helios-vector-bench}
DATASETS=${DATASETS:-"minilm synth"}
mkdir -p "$OUT"
export VECTOR_DATA=${VECTOR_DATA:-/tmp/helios-vector-data}
export VECTOR_RESULTS="$OUT"
mkdir -p "$VECTOR_DATA"
python3 -c "import numpy, hnswlib, faiss, usearch" 2>/dev/null || pip install -q numpy hnswlib faiss-cpu usearch
swift build -c release --product vector-bench --product heliosd >/dev/null
for ds in $DATASETS; do
  [ -n "${SKIP_INPROC:-}" ] && break
  data="$SHARED/data"
  if [ "$ds" = synth ]; then
    [ -f "$VECTOR_DATA/synth_base.npy" ] || python3 "$SHARED/make_datasets.py" synth
    data="$VECTOR_DATA"
  fi
  echo "== $ds: peers"
  peer_pq=48,96
  [ "$ds" = synth ] && peer_pq=16,32
  python3 "$SHARED/peers.py" "$ds" --queries 500 --repeat 2 --pq-m $peer_pq \
      --only hnswlib,faiss-hnsw,faiss-hnswpq,faiss-ivfpq,usearch-f32 ${PEER_ARGS:-} | tail -n +2 | tee "$OUT/peers-$ds.log"
  echo "== $ds: helios (in-process)"
  .build/release/vector-bench --dataset "$ds" --data "$data" --queries 500 | tee "$OUT/helios-$ds.jsonl"
  pq=48,96
  [ "$ds" = synth ] && pq=16,32
  .build/release/vector-bench --dataset "$ds" --data "$data" --queries 500 --quantization product \
      --pq-m $pq --rerank 0,4 --ef 16,32,64,128 | tee -a "$OUT/helios-$ds.jsonl"
  .build/release/vector-bench --dataset "$ds" --data "$data" --queries 200 --filter-percent 1 \
      --ef 10,40 | tee -a "$OUT/helios-$ds-filtered.jsonl"
  python3 Benchmarks/vector/compare.py "$OUT/results-peers-$ds.json" "$OUT/helios-$ds.jsonl" | tee "$OUT/compare-$ds.md"
done
if [ -z "${SKIP_HTTP:-}" ]; then
  port=${PORT:-18090}
  dir=$(mktemp -d)
  .build/release/heliosd serve --port "$port" --data-dir "$dir" --sync normal >"$OUT/heliosd.log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
  for ds in $DATASETS; do
    metric=l2; index='{"m":16,"ef_construction":200}'
    if [ "$ds" = minilm ]; then metric=cosine; fi
    echo "== $ds: HTTP ($metric)"
    (cd "$OUT" && python3 "$OLDPWD/$SHARED/service_bench.py" "$ds" --base-url "http://127.0.0.1:$port" --metric $metric \
        --index "$index" --queries 500 --clients 1,2,4 --duration 8 --label "helios" \
        --out "$OUT/results-service-$ds.json") | tee "$OUT/http-$ds.log"
    echo "== $ds: HTTP search throughput with wrk"
    Benchmarks/vector/http_search.sh "http://127.0.0.1:$port" "$ds" "bench_$ds" 10 | tee -a "$OUT/http-$ds.log"
  done
fi
