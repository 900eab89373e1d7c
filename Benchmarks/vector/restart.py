#!/usr/bin/env python3
"""Restart time with a 100k-vector HNSW index (synth, 128-d, M=16, efC=200).

Loads the vectors over /v1/sql, builds the index with CREATE INDEX (both
cores), stops the server cleanly (a checkpoint is written, graph included),
then times three restarts until /health answers:
  1. from the checkpoint, graph loaded from its file;
  2. from the checkpoint with the graph file removed (the index is rebuilt);
  3. after SIGKILL following 1,000 more inserts (checkpoint with the graph,
     then log replay adding 1,000 nodes).
Usage: restart.py [--binary .build/release/heliosd] [--n 100000]
"""
import argparse, http.client, json, os, shutil, signal, subprocess, sys, tempfile, time
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = [d for d in (os.environ.get("VECTOR_DATA"), "/tmp/helios-vector-data", os.path.join(HERE, "../../../shared/bench/vector/data")) if d]


def load(name):
    for d in DATA:
        p = os.path.join(d, name)
        if os.path.exists(p):
            return np.load(p)
    sys.exit(f"missing {name}: run ../shared/bench/vector/make_datasets.py synth")


def sql(port, text, params=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    c.request("POST", "/v1/sql", json.dumps({"sql": text, "params": params or []}), {"Content-Type": "application/json"})
    r = c.getresponse(); body = r.read()
    if r.status != 200:
        sys.exit(f"{r.status}: {body[:300]}")
    return json.loads(body)["results"][-1]


def start(binary, port, directory):
    t = time.perf_counter()
    p = subprocess.Popen([binary, "serve", "--port", str(port), "--data-dir", directory, "--sync", "normal"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1); c.request("GET", "/health")
            if c.getresponse().status == 200:
                return p, time.perf_counter() - t
        except OSError:
            time.sleep(0.02)
        if p.poll() is not None:
            sys.exit("server exited: " + p.stderr.read()[-2000:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=".build/release/heliosd")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--port", type=int, default=18111)
    a = ap.parse_args()
    base = load("synth_base.npy").astype(np.float32)[: a.n]
    q = load("synth_query.npy").astype(np.float32)[:5]
    directory = tempfile.mkdtemp(prefix="helios-restart-")
    try:
        p, _ = start(a.binary, a.port, directory)
        sql(a.port, "CREATE TABLE items (id INT PRIMARY KEY, embedding VECTOR(128))")
        t = time.perf_counter()
        for s in range(0, len(base), 1000):
            rows = ", ".join(f"(${2*i+1}, ${2*i+2})" for i in range(min(1000, len(base) - s)))
            params = []
            for i in range(s, min(s + 1000, len(base))):
                params += [i, json.dumps([float(x) for x in base[i]])]
            sql(a.port, "INSERT INTO items VALUES " + rows, params)
        load_s = time.perf_counter() - t
        t = time.perf_counter()
        sql(a.port, "CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 200)")
        index_s = time.perf_counter() - t
        probe = json.dumps([float(x) for x in q[0]])
        before = sql(a.port, "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10", [probe])["rows"]
        stats = sql(a.port, "SELECT num_vectors, memory_bytes FROM pg_vector_index_stats()")["rows"]
        p.send_signal(signal.SIGTERM); p.wait()
        print(f"load {a.n} rows: {load_s:.1f} s; CREATE INDEX: {index_s:.1f} s; index stats {stats}")

        p, loaded = start(a.binary, a.port, directory)
        after = sql(a.port, "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10", [probe])["rows"]
        assert after == before, (after, before)
        p.send_signal(signal.SIGTERM); p.wait()
        print(f"restart, graph loaded from the checkpoint: {loaded:.2f} s")

        checkpoint = max(d for d in os.listdir(directory) if d.startswith("checkpoint-"))
        os.remove(os.path.join(directory, checkpoint, "vector-indexes"))
        p, rebuilt = start(a.binary, a.port, directory)
        print(f"restart, graph rebuilt from the rows: {rebuilt:.2f} s")
        p.send_signal(signal.SIGTERM); p.wait()     # checkpoints again, graph included
        p, _ = start(a.binary, a.port, directory)
        for s in range(a.n, a.n + 1000, 100):
            rows = ", ".join(f"(${2*i+1}, ${2*i+2})" for i in range(100))
            params = []
            for i in range(s, s + 100):
                params += [i, json.dumps([float(x) for x in base[i % a.n] + 0.5])]
            sql(a.port, "INSERT INTO items VALUES " + rows, params)
        p.send_signal(signal.SIGKILL); p.wait()
        p, replayed = start(a.binary, a.port, directory)
        n = sql(a.port, "SELECT num_vectors FROM pg_vector_index_stats()")["rows"]
        p.send_signal(signal.SIGTERM); p.wait()
        print(f"restart after SIGKILL (checkpoint + log replay of 1,000 inserts): {replayed:.2f} s; vectors {n}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
