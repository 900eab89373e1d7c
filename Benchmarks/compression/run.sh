#!/usr/bin/env bash
# Column codecs against their peers, in one run: ../shared/bench/compression/
# measure.py measures DuckDB's FSST / ALP / ALP-rd / automatic choice, zstd,
# lz4 and pcodec per data set, and ours through `helios-codec` (release
# build; round trip checked byte for byte, wall times include process start).
#   Benchmarks/compression/run.sh [out-dir] [measure.py args...]
# Needs: pip install duckdb zstandard lz4 numpy pcodec
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root="$here/../.."
out=${1:-/tmp/helios-compression}; shift || true
bench="$root/../shared/bench/compression"
swift build -c release --product helios-codec --package-path "$root" >&2
python3 "$bench/measure.py" --out "$out" --external helios="$root/.build/release/helios-codec" "$@"
python3 "$here/summary.py" "$out/results.csv"
