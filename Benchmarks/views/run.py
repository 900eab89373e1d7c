#!/usr/bin/env python3
"""Materialized view refresh: incremental vs full recomputation in Helios,
and PostgreSQL's REFRESH MATERIALIZED VIEW on the same data, in one run.

Data: ../shared/bench/sql/workload.py (orders: 1M rows at scale 1.0,
customers: 100k). Views:
  by_customer  GROUP BY customer_id with count, sum, max (100k groups)
  by_status    GROUP BY status with count, avg (6 groups)
  shipped      orders JOIN customers, filtered (a join view)
For each change size (0.1%, 1%, 10% of orders, a fresh id range each time,
`UPDATE orders SET amount = amount + 1`), the script times Helios's
incremental refresh, then the same-size change and a full refresh, then the
same change and REFRESH MATERIALIZED VIEW in PostgreSQL. Before each timed
incremental refresh the view is brought up to date (untimed), so it applies
exactly that round's change. Times are the
client's wall time around the refresh request (Helios over HTTP, PostgreSQL
over psycopg), medians of --reps repetitions.

    python3 Benchmarks/views/run.py                 # scale 1.0 (~10 min)
    python3 Benchmarks/views/run.py --scale 0.1 --reps 1
"""
import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SQL_BENCH = os.path.abspath(os.path.join(ROOT, "..", "shared", "bench", "sql"))
sys.path.insert(0, SQL_BENCH)
import workload  # noqa: E402
from pgserver import PgServer  # noqa: E402

VIEWS = {
    "by_customer": "SELECT customer_id, count(*) AS n, sum(amount) AS total, max(amount) AS biggest "
                   "FROM orders GROUP BY customer_id",
    "by_status": "SELECT status, count(*) AS n, avg(amount) AS mean FROM orders GROUP BY status",
    "shipped": "SELECT o.id, o.amount, c.city FROM orders o JOIN customers c ON o.customer_id = c.id "
               "WHERE o.status = 'shipped'",
}


class Helios:
    def __init__(self, port):
        self.binary = os.path.join(ROOT, ".build", "release", "heliosd")
        self.proc = subprocess.Popen([self.binary, "serve", "--port", str(port), "--in-memory", "--no-access-log"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.port = port
        for _ in range(100):
            try:
                self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                self.conn.connect()
                self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.request("GET", "/health")
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("heliosd did not start")

    def request(self, method, path, body=None):
        self.conn.request(method, path, body=None if body is None else json.dumps(body),
                          headers={"Content-Type": "application/json"})
        r = self.conn.getresponse()
        data = json.loads(r.read() or b"null")
        if r.status >= 300:
            raise RuntimeError(f"{method} {path}: {r.status} {data}")
        return data

    def sql(self, text):
        return self.request("POST", "/v1/sql", {"sql": text})

    def refresh(self, view, mode):
        t = time.perf_counter()
        answer = self.request("POST", f"/v1/branches/main/views/{view}/refresh", {"mode": mode})
        return time.perf_counter() - t, answer

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def change(n_orders, pct, round_no):
    """An UPDATE touching pct% of the orders: a fresh id range per round."""
    count = max(1, int(n_orders * pct / 100))
    start = (round_no * count) % max(1, n_orders - count)
    return f"UPDATE orders SET amount = amount + 1 WHERE id > {start} AND id <= {start + count}", count


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--port", type=int, default=8097)
    ap.add_argument("--pg-port", type=int, default=54341)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    data = workload.Dataset(scale=a.scale)
    files = data.ensure_files()
    n_orders = data.n_orders

    helios = Helios(a.port)
    t = time.perf_counter()
    for statement in workload.SCHEMA_DDL:
        helios.sql(statement)
    for batch in data.insert_batches():
        helios.sql(batch)
    for statement in workload.POST_LOAD_DDL:
        helios.sql(statement)
    print(f"helios: loaded {n_orders} orders in {time.perf_counter() - t:.1f} s", flush=True)
    for name, query in VIEWS.items():
        t = time.perf_counter()
        helios.sql(f"CREATE MATERIALIZED VIEW {name} AS {query}")
        print(f"helios: created {name} in {time.perf_counter() - t:.2f} s", flush=True)

    import psycopg
    pg = PgServer(port=a.pg_port).start()
    conn = psycopg.connect(pg.dsn(), autocommit=True)
    for statement in workload.SCHEMA_DDL:
        conn.execute(statement)
    for table, cols in (("customers", workload.CUSTOMER_COLS), ("orders", workload.ORDER_COLS)):
        with conn.cursor() as cur, open(files[table]) as f:
            with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                for line in f:
                    copy.write(line)
    for statement in workload.POST_LOAD_DDL:
        conn.execute(statement)
    conn.execute("VACUUM ANALYZE")
    for name, query in VIEWS.items():
        conn.execute(f"CREATE MATERIALIZED VIEW {name} AS {query}")

    results = []
    round_no = 0
    for pct in (0.1, 1, 10):
        for name in VIEWS:
            inc, full, pgt, modes, rows = [], [], [], set(), 0
            for _ in range(a.reps):
                # Bring the view up to date first (untimed): the timed refresh
                # then applies exactly this round's change.
                helios.refresh(name, "auto")
                round_no += 1
                sql, rows = change(n_orders, pct, round_no)
                helios.sql(sql)
                seconds, answer = helios.refresh(name, "incremental")
                inc.append(seconds)
                modes.add(answer["mode_used"] + (f" ({answer['reason']})" if answer.get("reason") else ""))
                round_no += 1
                sql, _ = change(n_orders, pct, round_no)
                helios.sql(sql)
                full.append(helios.refresh(name, "full")[0])
                conn.execute(sql)
                t = time.perf_counter()
                conn.execute(f"REFRESH MATERIALIZED VIEW {name}")
                pgt.append(time.perf_counter() - t)
            r = dict(view=name, pct=pct, rows_changed=rows, incremental_s=statistics.median(inc),
                     full_s=statistics.median(full), postgres_s=statistics.median(pgt), mode=" / ".join(sorted(modes)))
            r["full_over_incremental"] = r["full_s"] / r["incremental_s"]
            r["postgres_over_incremental"] = r["postgres_s"] / r["incremental_s"]
            results.append(r)
            print(json.dumps(r), flush=True)
    helios.stop()
    conn.close()
    pg.stop()

    print("\n| view | changed | Helios incremental | Helios full | PostgreSQL REFRESH | full / incr | PG / incr | mode |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        print(f"| {r['view']} | {r['pct']}% ({r['rows_changed']:,}) | {r['incremental_s'] * 1000:,.1f} ms | "
              f"{r['full_s'] * 1000:,.1f} ms | {r['postgres_s'] * 1000:,.1f} ms | {r['full_over_incremental']:.1f}× | "
              f"{r['postgres_over_incremental']:.1f}× | {r['mode']} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
