#!/usr/bin/env python3
"""Durability benchmark: commit throughput with fsync, restart time, WAL size.

1. Commits/s of single-row INSERTs, each its own transaction, at 1, 8 and 64
   concurrent clients: heliosd with --sync full (wrk + Benchmarks/http/insert.lua)
   beside PostgreSQL 15 with synchronous_commit=on (pgbench, one INSERT per
   transaction), same machine, same run. Group commit is what lets many
   clients share an fsync.
2. Restart time with 1M rows: load them, SIGKILL the server, time until
   /health answers again (and the server's own recovery line).
3. WAL bytes per committed row.
"""
import argparse, http.client, json, os, re, shutil, signal, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "..", "shared", "bench", "sql"))
from pgserver import PgServer  # noqa: E402

BIN = os.path.join(ROOT, ".build", "release", "heliosd")


def start_helios(port, data_dir, extra=()):
    log = open(os.path.join(data_dir + ".log"), "a")
    p = subprocess.Popen([BIN, "serve", "--port", str(port), "--no-access-log", "--data-dir", data_dir, *extra],
                         stdout=log, stderr=log)
    t = time.perf_counter()
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/health")
            if c.getresponse().status == 200:
                return p, time.perf_counter() - t
        except OSError:
            pass
        if p.poll() is not None:
            sys.exit(open(data_dir + ".log").read())
        time.sleep(0.01)


def sql(port, text):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    c.request("POST", "/v1/sql", json.dumps({"sql": text}), {"Content-Type": "application/json"})
    r = c.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit(f"HTTP {r.status}: {body[:300]}")
    return json.loads(body)


def wrk_commits(port, clients, seconds):
    env = dict(os.environ, INSERT_BASE=str(10_000_000 * clients + 1), INSERT_STRIDE="100000000")
    threads = min(clients, 2)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds}s",
                          "-s", os.path.join(ROOT, "Benchmarks", "http", "insert.lua"),
                          f"http://127.0.0.1:{port}/v1/sql"], capture_output=True, text=True, env=env).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"non-2xx responses: (\d+)", out)
    return rate, int(bad.group(1)) if bad else 0


def pgbench_commits(pg, clients, seconds):
    script = tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False)
    script.write("\\set id random(1, 2000000000)\nINSERT INTO kv VALUES (:id, 'x') ON CONFLICT DO NOTHING;\n")
    script.close()
    os.chmod(script.name, 0o644)
    cmd = [os.path.join(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"), "pgbench"), "-n", "-M", "simple",
           "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(seconds), "-f", script.name,
           "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "bench"]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=18195)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--clients", default="1,8,64")
    ap.add_argument("--rows", type=int, default=1_000_000)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="helios-durability-")
    results = {}
    try:
        # 1. Commit throughput.
        data = os.path.join(work, "commits")
        server, _ = start_helios(a.port, data)
        sql(a.port, "CREATE TABLE bench_kv (id INT PRIMARY KEY, v TEXT)")
        helios = {c: wrk_commits(a.port, int(c), a.seconds) for c in a.clients.split(",")}
        server.send_signal(signal.SIGTERM); server.wait()
        with PgServer(port=54341) as pg:
            pg.psql("CREATE TABLE kv (id BIGINT PRIMARY KEY, v TEXT)")
            postgres = {c: pgbench_commits(pg, int(c), a.seconds) for c in a.clients.split(",")}
        print(f"commits/s, one single-row INSERT per transaction, {a.seconds} s per cell")
        print(f"{'clients':>8} {'PostgreSQL':>11} {'Helios':>9} {'ratio':>7}")
        for c in a.clients.split(","):
            rate, bad = helios[c]
            results[f"commits_{c}"] = rate / postgres[c]
            print(f"{c:>8} {postgres[c]:>11.0f} {rate:>9.0f} {rate / postgres[c]:>7.2f}" + (f"  ({bad} non-2xx)" if bad else ""))

        # 2. Restart time with a million rows, after SIGKILL.
        data = os.path.join(work, "restart")
        server, _ = start_helios(a.port, data)
        sql(a.port, "CREATE TABLE big (id INT PRIMARY KEY, v BIGINT, pad TEXT)")
        step = 100_000
        for lo in range(1, a.rows + 1, step):
            sql(a.port, f"INSERT INTO big SELECT g, g * 7, 'padding-{lo}' FROM generate_series({lo}, {min(a.rows, lo + step - 1)}) g")
        # The log's records: the file also holds zero-filled room ahead of them.
        wal = 0
        for name in os.listdir(data):
            if name.startswith("wal-") and name.endswith(".log"):
                with open(os.path.join(data, name), "rb") as f:
                    wal += len(f.read().rstrip(b"\0"))
        server.send_signal(signal.SIGKILL); server.wait()
        server, seconds = start_helios(a.port, data)
        count = sql(a.port, "SELECT count(*) AS n FROM big")["results"][0]["rows"][0]["n"]
        recovery = re.findall(r"recovered .*", open(data + ".log").read())[-1]
        print(f"\nrestart after SIGKILL with {count} rows (log replay): {seconds:.2f} s to /health ({recovery})")
        # A clean stop writes a checkpoint; the next start loads it instead of replaying.
        server.send_signal(signal.SIGTERM); server.wait()
        checkpoint = re.findall(r"checkpoint \d+ on shutdown.*", open(data + ".log").read())[-1]
        server, from_checkpoint = start_helios(a.port, data)
        count = sql(a.port, "SELECT count(*) AS n FROM big")["results"][0]["rows"][0]["n"]
        server.send_signal(signal.SIGTERM); server.wait()
        print(f"restart after a clean stop with {count} rows (checkpoint): {from_checkpoint:.2f} s to /health ({checkpoint})")
        print(f"WAL bytes per committed row: {wal / a.rows:.1f} ({wal} bytes for {a.rows} rows)")
        results.update(restart_replay_s=seconds, restart_checkpoint_s=from_checkpoint, wal_bytes_per_row=wal / a.rows)
        print("\n" + json.dumps(results))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
