#!/usr/bin/env bash
# Durability benchmark (see bench.py): commits/s with fsync at 1/8/64
# clients beside PostgreSQL with synchronous_commit=on, restart time with
# 1M rows, WAL bytes per row. Environment: SECONDS_PER_CELL (10), ROWS
# (1000000), SKIP_BUILD=1.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
python3 -c 'import psycopg' 2>/dev/null || pip install -q 'psycopg[binary]'
[[ "${SKIP_BUILD:-0}" == 1 ]] || (cd "$ROOT" && swift build -c release --product heliosd)
python3 "$HERE/bench.py" --seconds "${SECONDS_PER_CELL:-10}" --rows "${ROWS:-1000000}"
