#!/usr/bin/env python3
"""Ratios of Helios's in-process vector figures to the peers' from the same run.

compare.py results-peers-<ds>.json helios-<ds>.jsonl
For each index kind: the best single-thread QPS at recall@10 >= 0.95 (and >= 0.90),
Helios / peer, build time ratio, and index bytes per vector.
"""
import json, sys

peers = json.load(open(sys.argv[1]))["rows"]
ours, builds = [], {}
for line in open(sys.argv[2]):
    line = line.strip()
    if not line.startswith("{"):
        continue
    row = json.loads(line)
    if "build_s" in row:
        builds[row["config"]] = row
    else:
        ours.append(row)


def best(rows, key_recall, key_qps, floor):
    ok = [r for r in rows if r[key_recall] >= floor]
    return max(ok, key=lambda r: r[key_qps]) if ok else None


print("| index | recall floor | Helios QPS (param) | peer | peer QPS (param) | ratio |")
print("|---|---:|---:|---|---:|---:|")
pairs = [("f32", "hnswlib", "HNSW M=16 efC=200 f32"), ("f32", "faiss", "HNSWFlat M=16 efC=200"),
         ("PQ m=16", "faiss", "HNSWPQ M=16 m=16x8b"), ("PQ m=32", "faiss", "HNSWPQ M=16 m=32x8b"),
         ("PQ m=48", "faiss", "HNSWPQ M=16 m=48x8b"), ("PQ m=96", "faiss", "HNSWPQ M=16 m=96x8b")]
for kind, lib, peer_config in pairs:
    mine = [r for r in ours if kind in r["config"]]
    theirs = [r for r in peers if r["lib"] == lib and r["config"].startswith(peer_config)]
    if not mine or not theirs:
        continue
    for floor in (0.95, 0.90):
        a = best(mine, "recall", "qps", floor)
        b = best(theirs, "recall10", "qps", floor)
        if a and b:
            print(f"| {kind} | {floor} | {a['qps']:.0f} (ef={a['ef']}{', rerank ' + a['rerank'] if 'rerank' in a else ''}, R={a['recall']:.3f}) "
                  f"| {lib} {b['config']} | {b['qps']:.0f} ({b['param']}, R={b['recall10']:.3f}) | {a['qps'] / b['qps']:.2f} |")
print()
print("| Helios build | build s | index B/vec | RSS MB | peer build s (hnswlib) | build ratio |")
print("|---|---:|---:|---:|---:|---:|")
hnswlib = next((r for r in peers if r["lib"] == "hnswlib"), None)
for config, row in builds.items():
    ratio = f"{row['build_s'] / hnswlib['build_s']:.2f}" if hnswlib else "-"
    print(f"| {config} | {row['build_s']:.2f} | {row['index_bytes_per_vector']:.0f} | {row['rss_mb']:.0f} "
          f"| {hnswlib['build_s'] if hnswlib else '-'} | {ratio} |")
if hnswlib:
    print(f"\nhnswlib f32 index: {hnswlib['bytes_per_vector']} B/vec; 1/8 of it = {hnswlib['bytes_per_vector'] / 8:.0f} B/vec")
