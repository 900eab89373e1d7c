#!/usr/bin/env python3
"""Malformed-request fuzzer for a running heliosd (Python 3 standard library only).

Sends N malformed or hostile requests (default 10,000 per pass, two passes) to
the server over raw sockets and checks that

  * no answer is ever a 5xx (counts by status are printed),
  * the server still answers GET /health after every 500 requests,
  * its resident memory (VmRSS of --pid) stays bounded: printed before the
    first pass, after it, and after the second pass.

A server that closes the connection, resets it or does not answer a garbage
request is fine (counted as "closed"/"timeout"); only 5xx answers and a dead
server are failures. Exit status: 0 when clean, 1 otherwise.

Usage:
  .build/release/heliosd serve --port 18080 &
  python3 Benchmarks/http/fuzz.py --url http://127.0.0.1:18080 --pid $!

Every request is generated from (seed, pass, index), so a failure printed as
`pass 1 #4711 [deep_nesting]` can be regenerated with --replay 1:4711.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import http.client
import os
import random
import socket
import struct
import sys
import threading
import time
import urllib.parse

SQL_PATH = "/v1/sql"
BIG_BODY = 17 * 1024 * 1024  # over the 16 MiB body limit
CHECK_EVERY = 500

SQL_WORDS = [
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "NULL", "IS", "IN", "LIKE",
    "GROUP", "BY", "ORDER", "HAVING", "LIMIT", "OFFSET", "JOIN", "LEFT", "ON",
    "AS", "OF", "SCN", "TIMESTAMP", "VERSIONS", "BETWEEN", "WITH", "RECURSIVE",
    "UNION", "ALL", "CASE", "WHEN", "THEN", "ELSE", "END", "CAST", "EXISTS",
    "DISTINCT", "OVER", "PARTITION", "VALUES", "EXPLAIN", "BEGIN", "COMMIT",
    "ROLLBACK", "SAVEPOINT", "BRANCH", "MATERIALIZED", "VIEW", "REFRESH",
    "bench_kv", "fuzz_nope", "id", "v", "t", "x", "*", ",", "(", ")", ";", "'",
    '"', "$1", "$0", "$99999999999", "::", "->", "->>", "@>", "<->", "<=>",
    "<#>", "=", "<>", "!=", "||", "+", "-", "/", "%", "1", "0", "-1", "1e308",
    "99999999999999999999999", "'[1,2,3]'", "'\\x00'", "--", "/*", "*/",
    "current_scn()", "count(*)", "sum(", "coalesce(", "NULLIF(", "E'\\",
]

JSON_VALUES = [
    "null", "true", "false", "0", "-0", "1", "-1", "1.5", "1e999999", "-1e999999",
    "99999999999999999999999", "-99999999999999999999999", "1e-999999", '""',
    '"x"', "[]", "{}", '{"type":"int8","value":"abc"}', '{"type":"nope","value":1}',
    '{"type":"int8"}', '{"value":1}', '{"type":"int8","value":1e999999}',
    '{"type":"int8","value":99999999999999999999999}', '"\\u0000"', '"\\ud800"',
]


class Request:
    """One raw request: bytes to send, a category name, whether to half-close."""

    def __init__(self, category: str, data: bytes, half_close: bool = False):
        self.category = category
        self.data = data
        self.half_close = half_close


class Generator:
    """Builds malformed requests; deterministic for a given random.Random."""

    def __init__(self, host: str, port: int):
        self.host_header = f"{host}:{port}".encode()

    def http(self, method: str, path: str, body: bytes | None,
             content_type: bytes | None = b"application/json",
             extra: list[bytes] | None = None, version: bytes = b"HTTP/1.1") -> bytes:
        lines = [method.encode() + b" " + path.encode() + b" " + version,
                 b"Host: " + self.host_header, b"Connection: close"]
        if content_type is not None:
            lines.append(b"Content-Type: " + content_type)
        if body is not None:
            lines.append(b"Content-Length: " + str(len(body)).encode())
        lines.extend(extra or [])
        return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")

    def post(self, body: bytes, **kw) -> bytes:
        return self.http("POST", SQL_PATH, body, **kw)

    # -- categories -------------------------------------------------------

    def random_body(self, r: random.Random) -> Request:
        return Request("random_body", self.post(r.randbytes(r.randint(0, 4096))))

    def truncated_json(self, r: random.Random) -> Request:
        full = (b'{"sql":"SELECT id, v FROM bench_kv WHERE id = $1","params":[1,"x",'
                b'{"type":"int8","value":2}],"branch":"main","format":"arrays",'
                b'"as_of":{"type":"now"},"timeout_ms":1000}')
        return Request("truncated_json", self.post(full[:r.randint(0, len(full) - 1)]))

    def huge_numbers(self, r: random.Random) -> Request:
        n = r.choice(["1e999999", "-1e999999", "99999999999999999999999",
                      "-99999999999999999999999", "1" * r.randint(20, 5000),
                      "0." + "0" * 400 + "1", "1e-999999", "18446744073709551616",
                      "9223372036854775808", "-9223372036854775809"])
        body = r.choice([
            '{"sql":"SELECT $1","params":[%s]}',
            '{"sql":"SELECT id FROM bench_kv WHERE id = $1","params":[%s]}',
            '{"sql":"SELECT 1","timeout_ms":%s}',
            '{"sql":"SELECT %s"}',
            '{"sql":"SELECT 1 LIMIT %s"}',
            '{"sql":"SELECT $1","params":[{"type":"int8","value":%s}]}',
            '{"sql":"SELECT 1","as_of":{"type":"scn","value":%s}}',
        ]) % n
        return Request("huge_numbers", self.post(body.encode()))

    def deep_nesting(self, r: random.Random) -> Request:
        depth = r.choice([100000, 100000, 5000, 2049, 1000])
        kind = r.randint(0, 4)
        if kind == 0:
            body = b"[" * depth
        elif kind == 1:
            body = b"[" * depth + b"]" * depth
        elif kind == 2:
            body = b'{"sql":"SELECT $1","params":[' + b"[" * depth + b"]" * depth + b"]}"
        elif kind == 3:
            body = b'{"a":' * depth + b"1" + b"}" * depth
        else:
            body = (b'{"sql":"SELECT ' + b"(" * depth + b"1" + b")" * depth + b'"}')
        return Request("deep_nesting", self.post(body))

    def invalid_utf8(self, r: random.Random) -> Request:
        bad = r.choice([b"\xff", b"\xfe\xff", b"\xc0\x80", b"\xed\xa0\x80",
                        b"\xe2\x82", b"\xf4\x90\x80\x80", b"\x80", r.randbytes(8)])
        body = r.choice([
            b'{"sql":"SELECT \'' + bad + b'\'"}',
            b'{"sql":"SELECT $1","params":["' + bad + b'"]}',
            b'{"sql":"SELECT 1","branch":"' + bad + b'"}',
            b'{"' + bad + b'":"SELECT 1"}',
            b'{"sql":"SELECT \\ud800 \\udfff \\u0000"}',
        ])
        return Request("invalid_utf8", self.post(body))

    def wrong_method(self, r: random.Random) -> Request:
        method = r.choice(["PUT", "DELETE", "PATCH", "GET", "OPTIONS", "TRACE",
                           "FOO", "get", "P0ST"])
        path = r.choice([SQL_PATH, SQL_PATH, "/v1/branches/main/query",
                         "/v1/branches/main/execute", "/health", "/metrics"])
        body = b'{"sql":"SELECT 1"}' if r.random() < 0.7 else None
        return Request("wrong_method", self.http(method, path, body))

    def wrong_content_type(self, r: random.Random) -> Request:
        ct = r.choice([b"text/plain", b"application/xml", b"application/x-www-form-urlencoded",
                       b"multipart/form-data; boundary=xyz", b"application/json; charset=latin1",
                       b"", b"\xff\xfe", b"application/json" * 100, None])
        body = r.choice([b'{"sql":"SELECT 1"}', b"sql=SELECT+1", b"<sql>SELECT 1</sql>",
                         b"--xyz\r\nContent-Disposition: form-data\r\n\r\nSELECT 1\r\n--xyz--"])
        return Request("wrong_content_type", self.post(body, content_type=ct))

    def sql_garbage(self, r: random.Random) -> Request:
        words = [r.choice(SQL_WORDS) for _ in range(r.randint(1, 40))]
        if r.random() < 0.3:
            words.insert(r.randint(0, len(words)), "".join(
                chr(r.randint(1, 0x2FFF)) for _ in range(r.randint(1, 20))))
        sql = " ".join(words)
        body = '{"sql":%s,"params":[%s]}' % (json_str(sql), r.choice(JSON_VALUES))
        return Request("sql_garbage", self.post(body.encode("utf-8", "surrogatepass")))

    def non_string_sql(self, r: random.Random) -> Request:
        body = r.choice([
            '{"sql":%s}' % r.choice(JSON_VALUES), "{}", "[]", "null", "42", '"SELECT 1"',
            '{"SQL":"SELECT 1"}', '{"sql":["SELECT 1"]}', '{"sql":"SELECT 1","params":{}}',
            '{"sql":"SELECT 1","params":"x"}', '{"sql":"SELECT 1","format":"tables"}',
            '{"sql":"SELECT 1","format":1}', '{"sql":"SELECT 1","branch":""}',
            '{"sql":"SELECT 1","branch":"../../etc"}', '{"sql":"SELECT 1","branch":7}',
            '{"sql":"SELECT 1","as_of":"yesterday"}', '{"sql":"SELECT 1","as_of":{"type":"x"}}',
            '{"sql":"SELECT 1","as_of":{"type":"timestamp","value":"not a time"}}',
            '{"sql":"SELECT 1","timeout_ms":-1}', '{"sql":"SELECT 1","timeout_ms":"5"}',
            '{"sql":"SELECT 1","transaction_id":"nope"}', '{"sql":"SELECT 1","transaction_id":1}',
            '{"sql":"SELECT 1","sql":"SELECT 2"}', '{"sql":""}', '{"sql":";;;"}',
            '{"sql":"SELECT 1"} trailing', '{"sql":"SELECT 1",}', "{'sql':'SELECT 1'}",
        ])
        path = r.choice([SQL_PATH, SQL_PATH, "/v1/branches/main/query",
                         "/v1/branches/main/execute", "/v1/branches/nope/query",
                         "/v1/branches/%00/execute", "/v1/branches/" + "b" * 5000 + "/query"])
        return Request("non_string_sql", self.http("POST", path, body.encode()))

    def oversized_headers(self, r: random.Random) -> Request:
        kind = r.randint(0, 3)
        body = b'{"sql":"SELECT 1"}'
        if kind == 0:
            extra = [b"X-Fuzz: " + b"a" * r.choice([8192, 65536, 1 << 20])]
        elif kind == 1:
            extra = [b"X-F%d: %d" % (i, i) for i in range(r.choice([200, 2000, 20000]))]
        elif kind == 2:
            return Request("oversized_headers",
                           self.http("GET", "/health?" + "q" * r.choice([8192, 100000]), None))
        else:
            extra = [b"Authorization: Bearer " + b"k" * r.choice([4096, 300000])]
        return Request("oversized_headers", self.post(body, extra=extra))

    def raw_garbage(self, r: random.Random) -> Request:
        kind = r.randint(0, 7)
        if kind == 0:
            data = r.randbytes(r.randint(1, 2048))
        elif kind == 1:
            data = r.randbytes(r.randint(1, 200)) + b"\r\n\r\n"
        elif kind == 2:
            data = b"POST " + r.randbytes(50) + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        elif kind == 3:
            data = self.http("POST", SQL_PATH, b'{"sql":"SELECT 1"}',
                             version=r.choice([b"HTTP/9.9", b"HTTP/1.1x", b"HTTP/", b"FOO",
                                               b"HTTP/1.0", b"HTTP/0.9", b"HTTP/2.0"]))
        elif kind == 4:  # broken chunked encoding
            data = (b"POST " + SQL_PATH.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + r.choice([b"zz\r\n{}\r\n0\r\n\r\n", b"FFFFFFFFFFFFFFFF\r\nab\r\n0\r\n\r\n",
                                b"-5\r\nab\r\n0\r\n\r\n", b"3\r\nabcdef\r\n0\r\n\r\n",
                                b"12\r\n{\"sql\":\"SELECT 1\"}\r\n0\r\n\r\n"]))
        elif kind == 5:  # bad Content-Length values
            cl = r.choice([b"-1", b"abc", b"1, 2", b"99999999999999999999999", b"", b"0x10"])
            data = (b"POST " + SQL_PATH.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    b"Content-Length: " + cl + b"\r\n\r\n{\"sql\":\"SELECT 1\"}")
        elif kind == 6:  # header lines without colon, bare LF, NULs
            data = (b"POST " + SQL_PATH.encode() + b" HTTP/1.1\nHost x\n\x00\x00: y\r\n"
                    + r.randbytes(30) + b"\r\n\r\n")
        else:  # Content-Length shorter than the body: leftovers look like a next request
            body = b'{"sql":"SELECT 1"}' + r.randbytes(64)
            data = (b"POST " + SQL_PATH.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 18\r\n\r\n" + body)
        return Request("raw_garbage", data, half_close=True)

    def big_body(self, r: random.Random) -> Request:
        if r.random() < 0.5:
            body = b'{"sql":"SELECT \'' + b"a" * BIG_BODY + b'\'"}'
        else:
            body = r.randbytes(BIG_BODY)
        return Request("big_body", self.post(body))

    CATEGORIES = ["random_body", "truncated_json", "huge_numbers", "deep_nesting",
                  "invalid_utf8", "wrong_method", "wrong_content_type", "sql_garbage",
                  "non_string_sql", "oversized_headers", "raw_garbage"]

    def make(self, seed: int, pass_no: int, index: int, big_indices: set[int]) -> Request:
        r = random.Random(f"{seed}:{pass_no}:{index}")
        if index in big_indices:
            return self.big_body(r)
        return getattr(self, r.choice(self.CATEGORIES))(r)


def json_str(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def response_complete(reply: bytes) -> bool:
    """True once the status line, headers and a Content-Length body have
    arrived, so keep-alive answers need not wait for the server to close."""
    head, sep, body = reply.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return len(body) >= int(value.strip())
    return len(reply) > 4096


def send_raw(host: str, port: int, req: Request, timeout: float) -> tuple[str, bytes]:
    """Send one raw request; return (status or 'closed'/'timeout'/'refused', head of reply)."""
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except ConnectionRefusedError:
        return "refused", b""
    except OSError:
        return "connect_error", b""
    reply = b""
    try:
        sock.settimeout(timeout)
        # Close with RST: tens of thousands of short connections would
        # otherwise pile up in TIME_WAIT and exhaust the local ports.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        try:
            sock.sendall(req.data)
            if req.half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may answer (413, 400) and close before reading it all
        deadline = time.monotonic() + timeout
        while len(reply) < 65536 and time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            except OSError:
                break
            if not chunk:
                break
            reply += chunk
            if response_complete(reply):
                break
    finally:
        sock.close()
    if not reply:
        return "closed", b""
    line = reply.split(b"\r\n", 1)[0]
    parts = line.split(b" ", 2)
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return parts[1].decode(), reply[:600]
    return "malformed_reply", reply[:600]


def health_ok(host: str, port: int, attempts: int = 5) -> bool:
    for attempt in range(attempts):
        try:
            conn = http.client.HTTPConnection(host, port, timeout=5)
            conn.request("GET", "/health")
            resp = conn.getresponse()
            resp.read()
            conn.close()
            if resp.status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.2 * (attempt + 1))
    return False


def rss_kb(pid: int | None) -> int | None:
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def fmt_rss(kb: int | None) -> str:
    return "n/a" if kb is None else f"{kb / 1024:.1f} MiB"


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_status = collections.Counter()
        self.by_category = collections.defaultdict(collections.Counter)
        self.failures: list[str] = []

    def record(self, pass_no: int, index: int, req: Request, status: str, head: bytes):
        with self.lock:
            self.by_status[status] += 1
            self.by_category[req.category][status] += 1
            # 505 is libmicrohttpd refusing an HTTP version other than 1.0/1.1
            # (RFC 9110 §15.6.6): a correct protocol answer, not a server fault.
            if status.isdigit() and status.startswith("5") and not (status == "505" and b"HTTP/1.1 505" in head):
                self.failures.append(
                    f"pass {pass_no} #{index} [{req.category}] -> {status}\n"
                    f"    request: {req.data[:200]!r}{'...' if len(req.data) > 200 else ''}\n"
                    f"    reply:   {head[:300]!r}")


def run_pass(args, gen: Generator, pass_no: int, stats: Stats) -> bool:
    """One pass of args.count requests; False if the server died."""
    r = random.Random(f"{args.seed}:{pass_no}:big")
    big = set(r.sample(range(args.count), min(args.big, args.count)))
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.threads) as pool:
        for start in range(0, args.count, CHECK_EVERY):
            indices = range(start, min(start + CHECK_EVERY, args.count))

            def one(i: int):
                req = gen.make(args.seed, pass_no, i, big)
                status, head = send_raw(args.host, args.port, req, args.timeout)
                stats.record(pass_no, i, req, status, head)

            list(pool.map(one, indices))
            done = indices.stop
            if not health_ok(args.host, args.port):
                print(f"pass {pass_no}: server stopped answering /health after {done} requests",
                      file=sys.stderr)
                return False
            if args.verbose:
                print(f"  pass {pass_no}: {done}/{args.count} ok, RSS {fmt_rss(rss_kb(args.pid))}",
                      file=sys.stderr)
    print(f"pass {pass_no}: {args.count} requests in {time.monotonic() - started:.1f} s, "
          f"/health answered after every {CHECK_EVERY}")
    return True


def report(stats: Stats, rss: list[tuple[str, int | None]]) -> None:
    print("\nanswers by status:")
    for status, n in sorted(stats.by_status.items()):
        print(f"  {status:>16}: {n}")
    print("\nanswers by category:")
    for cat in sorted(stats.by_category):
        counts = ", ".join(f"{s}={n}" for s, n in sorted(stats.by_category[cat].items()))
        print(f"  {cat:>18}: {counts}")
    print("\nresident memory (VmRSS):")
    for label, kb in rss:
        print(f"  {label:>14}: {fmt_rss(kb)}")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default="http://127.0.0.1:18080")
    p.add_argument("--pid", type=int, help="server pid, for VmRSS and liveness")
    p.add_argument("-n", "--count", type=int, default=10000, help="requests per pass")
    p.add_argument("--passes", type=int, default=2)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--big", type=int, default=5, help="17 MiB bodies per pass")
    p.add_argument("--timeout", type=float, default=10.0, help="per-request seconds")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--replay", metavar="PASS:INDEX",
                   help="send only the request with this pass and index, print the reply")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    url = urllib.parse.urlsplit(args.url)
    args.host = url.hostname or "127.0.0.1"
    args.port = url.port or 80
    return args


def replay(args, gen: Generator) -> int:
    pass_no, index = (int(x) for x in args.replay.split(":"))
    r = random.Random(f"{args.seed}:{pass_no}:big")
    big = set(r.sample(range(args.count), min(args.big, args.count)))
    req = gen.make(args.seed, pass_no, index, big)
    print(f"[{req.category}] request ({len(req.data)} bytes): {req.data[:2000]!r}")
    status, head = send_raw(args.host, args.port, req, args.timeout)
    print(f"status: {status}\nreply: {head!r}")
    return 1 if status.startswith("5") and status != "505" else 0


def main(argv) -> int:
    args = parse_args(argv)
    gen = Generator(args.host, args.port)
    if args.replay:
        return replay(args, gen)
    if not health_ok(args.host, args.port):
        print(f"no server answering {args.url}/health", file=sys.stderr)
        return 1
    stats = Stats()
    rss = [("before", rss_kb(args.pid))]
    alive = True
    for pass_no in range(1, args.passes + 1):
        alive = run_pass(args, gen, pass_no, stats)
        rss.append((f"after pass {pass_no}", rss_kb(args.pid)))
        if not alive:
            break
    if args.pid is not None and not os.path.exists(f"/proc/{args.pid}"):
        alive = False
    report(stats, rss)
    if stats.failures:
        print(f"\nFAIL: {len(stats.failures)} 5xx answers; first ones:")
        for f in stats.failures[:20]:
            print(f)
    if not alive:
        print("\nFAIL: the server died or stopped answering /health")
    if stats.failures or not alive:
        return 1
    print("\nOK: no 5xx, server alive")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
