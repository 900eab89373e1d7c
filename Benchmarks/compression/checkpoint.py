#!/usr/bin/env python3
"""Checkpoint segments with the column codecs, on the SQL benchmark's data
(../shared/bench/sql/workload.py: 100k customers, 1M orders at scale 1):
loads it through POST /v1/sql into each given heliosd, stops it cleanly
(SIGTERM writes a checkpoint) and reports the checkpoint's bytes, the
shutdown (checkpoint) time, the restart time and a query's answer after the
restart. Giving a build from before the codecs (format 1, plain values) as
a second binary compares the two in one run; --pg adds PostgreSQL 15's
footprint of the same tables (pg_total_relation_size, indexes included).

  python3 Benchmarks/compression/checkpoint.py [--scale 1.0] [--pg] BINARY [BINARY...]
"""
import argparse, os, shutil, signal, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
SQL_BENCH = os.path.join(HERE, "..", "..", "..", "shared", "bench", "sql")
sys.path.insert(0, SQL_BENCH)
sys.path.insert(0, os.path.join(HERE, "..", "vector"))
import workload  # noqa: E402
from restart import sql, start  # noqa: E402  (one server helper for the benchmarks)


def tree_bytes(path, prefix):
    total = 0
    for d in os.listdir(path):
        if d.startswith(prefix):
            for root, _, files in os.walk(os.path.join(path, d)):
                total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


CHECK = "SELECT count(*), sum(amount), count(DISTINCT status), max(created_at) FROM orders"


def measure(binary, w, port):
    directory = tempfile.mkdtemp(prefix="helios-ckpt-")
    try:
        p, _ = start(binary, port, directory)
        t = time.perf_counter()
        for statement in w.load_statements():
            sql(port, statement)
        load_s = time.perf_counter() - t
        before = sql(port, CHECK)["rows"]
        t = time.perf_counter()
        p.send_signal(signal.SIGTERM); p.wait()
        stop_s = time.perf_counter() - t
        checkpoint = tree_bytes(directory, "checkpoint-")
        p, restart_s = start(binary, port, directory)
        after = sql(port, CHECK)["rows"]
        p.send_signal(signal.SIGTERM); p.wait()
        return dict(load_s=load_s, stop_s=stop_s, checkpoint=checkpoint, restart_s=restart_s, same=before == after)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def postgres_bytes(w):
    import pgserver, psycopg
    with pgserver.PgServer() as server:
        with psycopg.connect(server.dsn(), autocommit=True) as c:
            for statement in w.load_statements():
                c.execute(statement)
            c.execute("VACUUM ANALYZE")
            return c.execute("SELECT pg_total_relation_size('customers') + pg_total_relation_size('orders')").fetchone()[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binaries", nargs="+")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--port", type=int, default=18121)
    ap.add_argument("--pg", action="store_true")
    a = ap.parse_args()
    w = workload.Dataset(scale=a.scale)
    raw = sum(os.path.getsize(os.path.join(w.cache_dir(), f)) for f in ("customers.csv", "orders.csv")) \
        if os.path.exists(os.path.join(w.cache_dir(), "orders.csv")) else None
    print(f"data: scale {a.scale}; CSV bytes {raw}")
    results = {}
    for b in a.binaries:
        r = measure(b, w, a.port)
        results[b] = r
        print(f"{b}: checkpoint {r['checkpoint'] / 1e6:.1f} MB, shutdown (checkpoint) {r['stop_s']:.2f} s, "
              f"restart {r['restart_s']:.2f} s, load {r['load_s']:.1f} s, same answer after restart: {r['same']}")
    if len(a.binaries) > 1:
        first, second = results[a.binaries[0]], results[a.binaries[1]]
        print(f"ratio checkpoint bytes {second['checkpoint'] / first['checkpoint']:.3f} (second / first), "
              f"shutdown {second['stop_s'] / first['stop_s']:.2f}, restart {second['restart_s'] / first['restart_s']:.2f}")
    if a.pg:
        pg = postgres_bytes(w)
        last = results[a.binaries[-1]]
        print(f"PostgreSQL 15 tables + indexes: {pg / 1e6:.1f} MB; checkpoint of the last binary / PostgreSQL "
              f"{last['checkpoint'] / pg:.3f}")


if __name__ == "__main__":
    main()
