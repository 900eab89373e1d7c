#!/usr/bin/env bash
# SQL peer benchmark: Helios over HTTP beside SQLite, DuckDB (in-process)
# and PostgreSQL 15 (wire protocol) on the same data and the same 14
# queries, then point-select throughput against pgbench. The harness lives
# in ../shared/bench/sql (see its README); this script builds and starts
# heliosd, runs both tools and keeps their output.
#
# Environment: SCALE (1.0), REPS (3), DURATION (10 s per throughput cell),
# CLIENTS (1,8,32), PORT (18180), RESULTS_DIR (a new /tmp/helios-sql.XXXXXX),
# SKIP_BUILD=1, BENCH_DIR (../shared/bench/sql relative to the repository),
# ENGINES (peers besides Helios; default sqlite,duckdb,postgres — DuckDB's
# load through 1000-row INSERTs takes minutes at scale 1.0).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BENCH_DIR="${BENCH_DIR:-$ROOT/../shared/bench/sql}"
SCALE="${SCALE:-1.0}"
REPS="${REPS:-3}"
ENGINES="${ENGINES:-sqlite,duckdb,postgres}"
DURATION="${DURATION:-10}"
CLIENTS="${CLIENTS:-1,8,32}"
PORT="${PORT:-18180}"
RESULTS_DIR="${RESULTS_DIR:-$(mktemp -d /tmp/helios-sql.XXXXXX)}"
URL="http://127.0.0.1:$PORT"
SERVER_PID=""

log() { printf '[sql-bench] %s\n' "$*" >&2; }
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT

[[ -d "$BENCH_DIR" ]] || { log "no harness at $BENCH_DIR"; exit 1; }
python3 -c 'import psycopg, duckdb' 2>/dev/null || pip install -q 'psycopg[binary]' duckdb
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
[[ -x /usr/lib/postgresql/15/bin/postgres ]] || { apt-get update -qq && apt-get install -y -qq postgresql-15; }

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    (cd "$ROOT" && swift build -c release --product heliosd)
fi
start_server() {
    rm -rf "$RESULTS_DIR/data-$1"
    "$ROOT/.build/release/heliosd" serve --port "$PORT" --no-access-log --data-dir "$RESULTS_DIR/data-$1" >"$RESULTS_DIR/heliosd-$1.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do curl -fs "$URL/health" >/dev/null && return; sleep 0.1; done
    log "heliosd did not start"; exit 1
}

mkdir -p "$RESULTS_DIR"
start_server peers
log "peers.py at scale $SCALE, $REPS reps (results in $RESULTS_DIR)"
(cd "$BENCH_DIR" && python3 peers.py --scale "$SCALE" --reps "$REPS" --engines "$ENGINES" --http "$URL" --http-pid "$SERVER_PID" \
    --json "$RESULTS_DIR/peers.json") | tee "$RESULTS_DIR/peers.txt"
cleanup

start_server load
log "http_load.py at scale $SCALE, clients $CLIENTS, $DURATION s per cell"
(cd "$BENCH_DIR" && python3 http_load.py --scale "$SCALE" --duration "$DURATION" --clients "$CLIENTS" \
    --http "$URL" --load-http --json "$RESULTS_DIR/http_load.json") | tee "$RESULTS_DIR/http_load.txt"
log "done: $RESULTS_DIR"
