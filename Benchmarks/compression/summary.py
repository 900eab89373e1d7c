#!/usr/bin/env python3
"""Ratios (raw / compressed bytes) of helios-codec beside its peers, per data
set and over all sets of a kind, from measure.py's results.csv; the last
column compares ours with DuckDB's automatic choice (> 1: ours smaller)."""
import csv, sys

rows = list(csv.DictReader(open(sys.argv[1])))
def num(r, k):
    try: return float(r.get(k) or 0)
    except ValueError: return 0.0

for kind, peer, peer_name in (("strings", "duckdb_fsst", "duck-fsst"), ("floats", "duckdb_alp", "duck-alp")):
    sel = [r for r in rows if (r["kind"] == "strings") == (kind == "strings")]
    if not sel: continue
    print(f"\n{kind}: ratio = raw / bytes")
    print(f"{'dataset':28} {'raw':>9} {'helios':>7} {peer_name:>9} {'duck-auto':>9} {'zstd3':>6} {'lz4':>6} {'vs auto':>7} {'c s':>6} {'d s':>6} ok")
    tot = {}
    for r in sel:
        raw = num(r, "raw")
        cols = {"helios": num(r, "ext_helios"), peer: num(r, peer), "duckdb_auto": num(r, "duckdb_auto"),
                "zstd3": num(r, "zstd3"), "lz4": num(r, "lz4")}
        for k, v in cols.items():
            tot.setdefault(k, [0, 0]); tot[k][0] += raw if v else 0; tot[k][1] += v
        ratio = lambda v: raw / v if v else float("nan")
        print(f"{r['dataset']:28} {int(raw):>9} {ratio(cols['helios']):7.2f} {ratio(cols[peer]):9.2f} "
              f"{ratio(cols['duckdb_auto']):9.2f} {ratio(cols['zstd3']):6.2f} {ratio(cols['lz4']):6.2f} "
              f"{cols['duckdb_auto'] / cols['helios'] if cols['helios'] else float('nan'):7.2f} "
              f"{num(r, 'ext_helios_cs'):6.3f} {num(r, 'ext_helios_ds'):6.3f} {r.get('ext_helios_ok')}")
    agg = {k: (a / b if b else float("nan")) for k, (a, b) in tot.items()}
    print(f"{'ALL (sum raw / sum bytes)':28} {'':>9} {agg['helios']:7.2f} {agg[peer]:9.2f} {agg['duckdb_auto']:9.2f} "
          f"{agg['zstd3']:6.2f} {agg['lz4']:6.2f} {agg['helios'] / agg['duckdb_auto']:7.2f}")
