#!/usr/bin/env bash
# HTTP benchmark for heliosd: health vs primary-key SELECT vs single-row INSERT
# at 1, 8 and 64 connections with wrk, reported with ratios to /health (the
# peer in the same run: the cost of HTTP alone). See README.md.
#
# Environment:
#   PORT=18080        port heliosd listens on (127.0.0.1)
#   DURATION=10s      wrk duration per run
#   CONNS="1 8 64"    connection counts
#   ROWS=10000        rows preloaded into bench_kv
#   BATCH=500         rows per multi-row INSERT while loading
#   SKIP_BUILD=1      do not run `swift build -c release`
#   HELIOSD=path      binary to run (default .build/release/heliosd)
#   RESULTS_DIR=dir   where wrk outputs, the server log and summary.txt go
#                     (default: a new /tmp/helios-bench.XXXXXX)
#   KEEP_DATA=1       keep the server's data directory
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PORT="${PORT:-18080}"
DURATION="${DURATION:-10s}"
CONNS="${CONNS:-1 8 64}"
ROWS="${ROWS:-10000}"
BATCH="${BATCH:-500}"
HELIOSD="${HELIOSD:-$ROOT/.build/release/heliosd}"
RESULTS_DIR="${RESULTS_DIR:-$(mktemp -d /tmp/helios-bench.XXXXXX)}"
DATA_DIR="$(mktemp -d /tmp/helios-bench-data.XXXXXX)"
LOG="$RESULTS_DIR/heliosd.log"
BASE_URL="http://127.0.0.1:$PORT"
SERVER_PID=""
mkdir -p "$RESULTS_DIR"

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ "${KEEP_DATA:-0}" != 1 ]]; then rm -rf "$DATA_DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_tools() {
    command -v curl >/dev/null || die "curl is required"
    if ! command -v wrk >/dev/null; then
        log "wrk not found; installing the Debian package"
        local sudo=""
        [[ "$(id -u)" == 0 ]] || sudo="sudo"
        $sudo apt-get update -qq
        $sudo apt-get install -y -qq wrk >/dev/null
    fi
}

build() {
    if [[ "${SKIP_BUILD:-0}" == 1 ]]; then return; fi
    log "building release (swift build -c release)"
    (cd "$ROOT" && swift build -c release)
}

start_server() {
    [[ -x "$HELIOSD" ]] || die "no binary at $HELIOSD"
    if curl -fsS -o /dev/null "$BASE_URL/health" 2>/dev/null; then
        die "something already answers on port $PORT; set PORT"
    fi
    log "starting $HELIOSD on port $PORT (log: $LOG)"
    # No API key for the benchmark server, whatever the caller's environment.
    env -u HELIOS_API_KEY "$HELIOSD" serve --port "$PORT" --data-dir "$DATA_DIR" \
        >"$LOG" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 300); do
        if curl -fsS -o /dev/null "$BASE_URL/health" 2>/dev/null; then return; fi
        kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$LOG" >&2; die "heliosd exited"; }
        sleep 0.1
    done
    tail -n 20 "$LOG" >&2
    die "heliosd did not answer /health within 30 s"
}

# sql STATEMENT: POST it to /v1/sql, fail unless the answer is 200.
sql() {
    local body status
    body="$(printf '{"sql":"%s"}' "$1")"
    status="$(curl -sS -o "$RESULTS_DIR/last-response.json" -w '%{http_code}' \
        -H 'Content-Type: application/json' --data-binary "$body" "$BASE_URL/v1/sql")"
    [[ "$status" == 200 ]] || {
        cat "$RESULTS_DIR/last-response.json" >&2; echo >&2
        die "/v1/sql answered $status"
    }
}

load_data() {
    log "creating bench_kv and loading $ROWS rows (batches of $BATCH)"
    sql "CREATE TABLE bench_kv (id INT PRIMARY KEY, v TEXT)"
    local start=1 end values i
    while (( start <= ROWS )); do
        end=$(( start + BATCH - 1 )); (( end <= ROWS )) || end=$ROWS
        values=""
        for (( i = start; i <= end; i++ )); do
            values+="${values:+,}($i,'v$i')"
        done
        sql "INSERT INTO bench_kv (id, v) VALUES $values"
        start=$(( end + 1 ))
    done
}

# run_wrk SCENARIO CONNS OUTFILE [extra wrk args...]
run_wrk() {
    local scenario=$1 conns=$2 out=$3; shift 3
    local threads=$(( conns < 2 ? conns : 2 ))
    log "$scenario: $conns connections, $threads threads, $DURATION"
    wrk -t"$threads" -c"$conns" -d"$DURATION" --latency "$@" >"$out" 2>&1 || {
        cat "$out" >&2; die "wrk failed for $scenario c=$conns"
    }
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$LOG" >&2; die "heliosd died during $scenario"; }
}

# parse OUTFILE -> "req/s p50_ms p99_ms non2xx socket_errors"
parse() {
    awk '
        function ms(x) {
            if (x ~ /us$/) { sub(/us$/, "", x); return x / 1000 }
            if (x ~ /ms$/) { sub(/ms$/, "", x); return x + 0 }
            if (x ~ /m$/)  { sub(/m$/, "", x);  return x * 60000 }
            if (x ~ /s$/)  { sub(/s$/, "", x);  return x * 1000 }
            return x + 0
        }
        /Latency Distribution/ { dist = 1; next }
        dist && $1 == "50%" { p50 = ms($2) }
        dist && $1 == "99%" { p99 = ms($2); dist = 0 }
        /^Requests\/sec:/ { rps = $2 }
        /Non-2xx or 3xx responses:/ { wrk_non2xx = $NF }
        /^non-2xx responses:/ { lua_non2xx = $NF; have_lua = 1 }
        /Socket errors:/ {
            gsub(/,/, ""); errs = $4 + $6 + $8 + $10
        }
        END {
            n = have_lua ? lua_non2xx : wrk_non2xx
            printf "%s %.3f %.3f %d %d\n", rps, p50, p99, n + 0, errs + 0
        }' "$1"
}

main() {
    ensure_tools
    build
    start_server
    load_data

    local summary="$RESULTS_DIR/summary.txt" conns run=0
    # Each INSERT run gets its own id span; threads split the span.
    local span=500000000
    declare -A rps

    for conns in $CONNS; do
        run_wrk health "$conns" "$RESULTS_DIR/health-c$conns.txt" "$BASE_URL/health"
    done
    for conns in $CONNS; do
        BENCH_ROWS="$ROWS" run_wrk select "$conns" "$RESULTS_DIR/select-c$conns.txt" \
            -s "$HERE/select.lua" "$BASE_URL/v1/sql"
    done
    for conns in $CONNS; do
        local threads=$(( conns < 2 ? conns : 2 ))
        INSERT_BASE=$(( ROWS + 1 + run * span )) INSERT_STRIDE=$(( span / threads )) \
            run_wrk insert "$conns" "$RESULTS_DIR/insert-c$conns.txt" \
            -s "$HERE/insert.lua" "$BASE_URL/v1/sql"
        run=$(( run + 1 ))
    done

    {
        printf '%-8s %6s %12s %10s %10s %8s %8s\n' \
            scenario conns 'req/s' 'p50(ms)' 'p99(ms)' non2xx sockerr
        local scenario r p50 p99 n errs
        for scenario in health select insert; do
            for conns in $CONNS; do
                read -r r p50 p99 n errs < <(parse "$RESULTS_DIR/$scenario-c$conns.txt")
                rps[$scenario-$conns]=$r
                printf '%-8s %6s %12s %10s %10s %8s %8s\n' \
                    "$scenario" "$conns" "$r" "$p50" "$p99" "$n" "$errs"
            done
        done
        echo
        printf '%6s %14s %14s\n' conns 'SELECT/health' 'INSERT/health'
        for conns in $CONNS; do
            awk -v c="$conns" -v h="${rps[health-$conns]}" \
                -v s="${rps[select-$conns]}" -v i="${rps[insert-$conns]}" \
                'BEGIN { if (h > 0) printf "%6s %14.3f %14.3f\n", c, s / h, i / h
                         else printf "%6s %14s %14s\n", c, "n/a", "n/a" }'
        done
    } | tee "$summary"

    log "raw wrk output, server log and summary in $RESULTS_DIR"
}

main "$@"
