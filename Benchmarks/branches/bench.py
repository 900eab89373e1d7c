#!/usr/bin/env python3
"""Branch and time-travel benchmark for Helios over HTTP (stdlib only).

Measures, on a running heliosd (release build):
  1. CREATE BRANCH time with 1k, 100k and 1M rows in the database;
  2. a scan AS OF a past SCN against the same scan of current data, on 1M
     rows with 10 versions per row;
  3. MERGE BRANCH time for 10k changed keys;
  4. the memory of a branch with 1% of 1M rows changed, as a share of the
     base (the store's own accounting, and the server's RSS growth).
Timings are the server-reported execution_time_ms (medians of repeats),
with the client's wall time beside them.
"""
import argparse, http.client, json, os, statistics, sys, time


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def sql(self, sql, branch=None):
        body = {"sql": sql}
        if branch:
            body["branch"] = branch
        t = time.perf_counter()
        self.conn.request("POST", "/v1/sql", json.dumps(body), {"Content-Type": "application/json"})
        resp = self.conn.getresponse()
        doc = json.loads(resp.read())
        wall = (time.perf_counter() - t) * 1000
        if resp.status != 200:
            sys.exit(f"HTTP {resp.status} for {sql[:80]}: {doc}")
        return doc, doc.get("execution_time_ms", 0.0), wall

    def value(self, sql, branch=None):
        doc, _, _ = self.sql(sql, branch)
        row = doc["results"][-1]["rows"][0]
        return list(row.values())[0]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def median_time(client, sql, reps, branch=None):
    server, wall = [], []
    for _ in range(reps):
        _, ms, w = client.sql(sql, branch)
        server.append(ms); wall.append(w)
    return statistics.median(server), statistics.median(wall)


def load(client, table, rows, pad="x" * 20):
    client.sql(f"CREATE TABLE {table} (id INT PRIMARY KEY, v BIGINT NOT NULL, pad TEXT)")
    step = 100_000
    for lo in range(1, rows + 1, step):
        hi = min(rows, lo + step - 1)
        client.sql(f"INSERT INTO {table} SELECT g, g, '{pad}' FROM generate_series({lo}, {hi}) g")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=18190)
    ap.add_argument("--pid", type=int, help="heliosd pid, for RSS")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--rows", type=int, default=1_000_000)
    a = ap.parse_args()
    c = Client(a.port)
    out = {}

    # 0. Memory of a branch with 1% of rows changed.
    load(c, "mem", a.rows)
    c.sql("VACUUM")
    base_rss = rss_kib(a.pid) if a.pid else None
    c.sql("CREATE BRANCH one_percent")
    changed = a.rows // 100
    c.sql(f"UPDATE mem SET v = v + 1 WHERE id % 100 = 0", branch="one_percent")
    after_rss = rss_kib(a.pid) if a.pid else None
    stats = {r["branch_name"]: r for r in c.sql("SELECT * FROM pg_branch_stats()")[0]["results"][0]["rows"]}
    mem_rows = c.value("SELECT count(*) FROM mem")
    # The base: the bytes main holds for table mem (one version per row).
    main_bytes = stats["main"]["storage_bytes"]
    branch_bytes = stats["one_percent"]["storage_bytes"]
    share_of_main = branch_bytes / main_bytes
    print(f"\nbranch with {changed} of {mem_rows} rows changed: {branch_bytes} bytes own data "
          f"vs {main_bytes} bytes of the base on main ({100 * share_of_main:.2f}%)")
    if base_rss and after_rss:
        print(f"server RSS {base_rss / 1024:.1f} MiB -> {after_rss / 1024:.1f} MiB "
              f"(+{(after_rss - base_rss) / 1024:.1f} MiB, includes the UPDATE's transient allocations)")
    out["branch_share"] = share_of_main
    c.sql("DROP BRANCH one_percent")

    # 1. Branch creation at growing data sizes (the database holds that many rows).
    print("branch creation (ms, median of %d)" % a.reps)
    print(f"{'rows':>10} {'server ms':>10} {'wall ms':>9}")
    loaded = 0
    for size in (1_000, 100_000, a.rows):
        load(c, f"base_{size}", size - loaded) if size > loaded else None
        loaded = size
        times, walls = [], []
        for i in range(a.reps):
            _, ms, w = c.sql(f"CREATE BRANCH b_{size}_{i}")
            times.append(ms); walls.append(w)
        for i in range(a.reps):
            c.sql(f"DROP BRANCH b_{size}_{i}")
        out[f"create_{size}"] = statistics.median(times)
        print(f"{size:>10} {statistics.median(times):>10.3f} {statistics.median(walls):>9.3f}")

    # 2. AS OF scan vs current scan: 1M rows, 10 versions per row.
    load(c, "hist", a.rows)
    scns = [c.value("SELECT current_scn()")]
    for _ in range(9):
        c.sql("UPDATE hist SET v = v + 1")
        scns.append(c.value("SELECT current_scn()"))
    reads = [("current", "SELECT sum(v), count(*) FROM hist")]
    for label, scn in (("AS OF newest-1", scns[-2]), ("AS OF middle", scns[4]), ("AS OF oldest", scns[0])):
        reads.append((f"{label} ({scn})", f"SELECT sum(v), count(*) FROM hist AS OF SCN {scn}"))
    # Interleaved repetitions, so drift on this shared machine hits every read alike.
    timings = {label: [] for label, _ in reads}
    for sql in (r[1] for r in reads):
        c.sql(sql)  # warm-up
    for _ in range(a.reps):
        for label, sql in reads:
            timings[label].append(c.sql(sql)[1])
    current = statistics.median(timings["current"])
    print(f"\nscan of {a.rows} rows x 10 versions: sum + count (server ms, median of {a.reps}, interleaved)")
    print(f"{'read':<22} {'median ms':>10} {'min ms':>8} {'ratio':>7}")
    for label, _ in reads:
        t = statistics.median(timings[label])
        out[f"scan_{label}"] = t / current
        print(f"{label:<22} {t:>10.1f} {min(timings[label]):>8.1f} {t / current:>7.2f}")

    # 3. Merge of 10k changed keys.
    merges = []
    for i in range(3):
        c.sql(f"CREATE BRANCH m_{i}")
        c.sql(f"UPDATE hist SET v = v + 1000 WHERE id <= 10000", branch=f"m_{i}")
        _, ms, _ = c.sql(f"MERGE BRANCH m_{i} INTO main")
        merges.append(ms)
        c.sql(f"DROP BRANCH m_{i}")
    out["merge_10k"] = statistics.median(merges)
    print(f"\nmerge of 10,000 changed keys: {statistics.median(merges):.1f} ms (server, median of 3)")

    print("\n" + json.dumps(out))


if __name__ == "__main__":
    main()
