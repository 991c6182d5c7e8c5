"""A bounded load test of ``eventwire serve`` on loopback.

    .venv/bin/python benchmarks/api_load.py --clients 4 --seconds 20 --write-ratio 0.2 --with-ingest

Seeds a temporary store with a few coded articles, starts ``eventwire serve`` over it on a free port
(a uvicorn process), and runs ``--clients`` concurrent httpx clients for ``--seconds`` seconds, each
sending ``POST /v1/code`` (a short article to code; a fraction ``--write-ratio`` of the requests) or
``GET /v1/events`` (a page of events with a filter) one after another. Reports, per endpoint, the
requests answered, throughput, p50 and p99 latency and the errors (any answer but 200, or no answer).

With ``--with-ingest`` a second phase runs the same load while an ``eventwire ingest`` process codes
a folder of articles into the same DuckDB file; the writer holds the file only for short batches and
the server's requests wait for it, so no request should fail. The phase also reports how many
documents the ingest stored meanwhile, and counts any document it failed to store as an error.

Exit status: 0 when there was no error, 1 otherwise, 2 for bad options. ``--json FILE`` also writes
the figures as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import httpx

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

STATES = [("Ghana", "Ghanaian", "Accra"), ("Nepal", "Nepalese", "Kathmandu"), ("Bolivia", "Bolivian", "La Paz"),
          ("Finland", "Finnish", "Helsinki"), ("Vietnam", "Vietnamese", "Hanoi"), ("Morocco", "Moroccan", "Rabat"),
          ("Ecuador", "Ecuadorian", "Quito"), ("Norway", "Norwegian", "Oslo"), ("Senegal", "Senegalese", "Dakar")]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
FILTERS = [{}, {"country": "ARM"}, {"type": "ACCUSE"}, {"since": "2023-01"}, {"quad": 4}, {"text": "border"},
           {"sort": "goldstein", "order": "asc"}]


def story(i: int, sentences: int = 3) -> str:
    """A short news-like text, different for each ``i`` (so the server and the ingest code new texts)."""
    a = STATES[i % len(STATES)]
    b = STATES[(i * 5 + 2) % len(STATES)]
    if a == b:
        b = STATES[(i + 1) % len(STATES)]
    day = WEEKDAYS[i % len(WEEKDAYS)]
    lines = [
        f"{a[0]} criticised {b[0]} on {day} over {i + 2} fishing boats seized near the coast.",
        f"The {a[1]} trade minister travelled to {b[2]} to sign a grain agreement, officials said.",
        f"\"Our door remains open,\" the {b[1]} president told reporters in {b[2]}.",
        f"{b[0]} promised {i % 40 + 5} million dollars for schools in {a[0]} next year.",
        f"Police in {a[2]} arrested {i % 30 + 3} protesters outside the {b[1]} embassy.",
        f"Diplomats from {a[0]} and {b[0]} will meet again in {i % 6 + 2} weeks, a spokeswoman said.",
    ]
    return " ".join(lines[(i + k) % len(lines)] for k in range(sentences))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def eventwire_cmd() -> list[str]:
    exe = pathlib.Path(sys.executable).with_name("eventwire")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "eventwire.cli"]


def percentile(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) by the nearest-rank method; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n * q / 100)
    return ordered[int(rank) - 1]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # seconds, answered with 200
    errors: list[str] = field(default_factory=list)

    def summary(self, seconds: float) -> dict:
        n = len(self.latencies)
        p50, p99 = percentile(self.latencies, 50), percentile(self.latencies, 99)
        return {"requests": n + len(self.errors), "ok": n, "errors": len(self.errors),
                "throughput_rps": round(n / seconds, 2) if seconds > 0 else None,
                "p50_ms": round(p50 * 1000, 1) if p50 is not None else None,
                "p99_ms": round(p99 * 1000, 1) if p99 is not None else None,
                "first_errors": self.errors[:5]}


async def client(http: httpx.AsyncClient, seed: int, until: float, write_ratio: float,
                 tallies: dict[str, Tally], counter: list[int]) -> None:
    rng = random.Random(seed)
    while time.monotonic() < until:
        if rng.random() < write_ratio:
            name = "POST /v1/code"
            counter[0] += 1
            body = {"text": story(1000 + seed * 100_000 + counter[0]), "date": "2024-05-14"}
            call = http.post("/v1/code", json=body)
        else:
            name = "GET /v1/events"
            params = {"limit": 20, **rng.choice(FILTERS)}
            call = http.get("/v1/events", params=params)
        t0 = time.perf_counter()
        try:
            r = await call
            elapsed = time.perf_counter() - t0
            if r.status_code == 200:
                tallies[name].latencies.append(elapsed)
            else:
                tallies[name].errors.append(f"{r.status_code}: {r.text[:200]}")
        except httpx.HTTPError as exc:
            tallies[name].errors.append(f"{type(exc).__name__}: {exc}")


async def load(base: str, clients: int, seconds: float, write_ratio: float, seed: int) -> dict:
    tallies = {"POST /v1/code": Tally(), "GET /v1/events": Tally()}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60.0, limits=limits) as http:
        t0 = time.monotonic()
        until = t0 + seconds
        counter = [0]
        await asyncio.gather(*(client(http, seed * 1000 + k, until, write_ratio, tallies, counter)
                               for k in range(clients)))
        elapsed = time.monotonic() - t0
    result = {name: t.summary(elapsed) for name, t in tallies.items()}
    result["_elapsed_s"] = round(elapsed, 2)
    return result


def wait_for_server(base: str, proc: subprocess.Popen, log: pathlib.Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"eventwire serve exited with status {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(base + "/v1/health", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"eventwire serve did not answer within {timeout:g} s:\n{log.read_text()[-2000:]}")


def stop(proc: subprocess.Popen, sig: int = signal.SIGINT, timeout: float = 30.0) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)


def documents_in(base: str) -> int:
    return httpx.get(base + "/v1/health", timeout=60).json()["documents"]


def print_phase(title: str, result: dict, clients: int) -> None:
    print(f"\n{title}: {clients} clients, {result['_elapsed_s']} s")
    print(f"  {'endpoint':<16} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name in ("POST /v1/code", "GET /v1/events"):
        s = result[name]
        print(f"  {name:<16} {s['requests']:>8} {s['throughput_rps'] or 0:>8} {s['p50_ms'] or '-':>8} "
              f"{s['p99_ms'] or '-':>8} {s['errors']:>7}")
        for e in s["first_errors"]:
            print(f"    error: {e}")
    if "ingest" in result:
        ing = result["ingest"]
        print(f"  ingest alongside: {ing['stored']} documents stored during the phase ({ing['stored_in_all']} in all), "
              f"{ing['failed']} failed"
              + (f" (exit status {ing['exit_status']})" if ing["exit_status"] not in (None, 0) else ""))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    ap.add_argument("--seconds", type=float, default=20.0, help="length of each phase in seconds (default 20)")
    ap.add_argument("--write-ratio", type=float, default=0.2,
                    help="share of requests that are POST /v1/code, 0 to 1 (default 0.2)")
    ap.add_argument("--with-ingest", action="store_true",
                    help="run a second phase while an eventwire ingest writes to the same store")
    ap.add_argument("--ingest-docs", type=int, default=400, help="articles in the ingest's folder (default 400)")
    ap.add_argument("--seed", type=int, default=7, help="random seed of the clients' choices")
    ap.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (store, logs) and print where")
    args = ap.parse_args(argv)
    if args.clients < 1:
        ap.error(f"--clients must be at least 1, not {args.clients}")
    if not args.seconds > 0:
        ap.error(f"--seconds must be more than 0, not {args.seconds}")
    if not 0 <= args.write_ratio <= 1:
        ap.error(f"--write-ratio must be between 0 and 1, not {args.write_ratio}")
    if args.ingest_docs < 1:
        ap.error(f"--ingest-docs must be at least 1, not {args.ingest_docs}")

    work = pathlib.Path(tempfile.mkdtemp(prefix="eventwire-load-"))
    db = work / "load.duckdb"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = eventwire_cmd()
    server = None
    report: dict = {"clients": args.clients, "seconds": args.seconds, "write_ratio": args.write_ratio,
                    "cpus": os.cpu_count(), "phases": {}}
    try:
        seeded = subprocess.run(cmd + ["ingest", str(EXAMPLES), "--db", str(db)], capture_output=True, text=True,
                                env=env, timeout=600)
        if seeded.returncode != 0:
            print(f"api_load: seeding the store failed:\n{seeded.stderr[-2000:]}", file=sys.stderr)
            return 1
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server_log = work / "serve.log"
        with open(server_log, "w") as log:
            server = subprocess.Popen(cmd + ["serve", "--db", str(db), "--port", str(port)], stdout=log,
                                      stderr=subprocess.STDOUT, env=env)
        wait_for_server(base, server, server_log)
        seeded_docs = documents_in(base)
        # warm up: the server loads its model on the first coding request
        warm = httpx.post(base + "/v1/code", json={"text": story(0), "date": "2024-05-14"}, timeout=300)
        if warm.status_code != 200:
            print(f"api_load: the warm-up request failed: {warm.status_code} {warm.text[:300]}", file=sys.stderr)
            return 1

        result = asyncio.run(load(base, args.clients, args.seconds, args.write_ratio, args.seed))
        report["phases"]["serve"] = result
        print_phase("Phase 1, the server alone", result, args.clients)

        if args.with_ingest:
            corpus = work / "corpus"
            corpus.mkdir()
            for i in range(args.ingest_docs):
                (corpus / f"s{i:05d}.txt").write_text(story(50_000 + i, sentences=4), encoding="utf-8")
            ingest_log = work / "ingest.log"
            with open(ingest_log, "w") as log:
                # small coding batches: the writer stores a few documents every second or so, not 32 at once
                writer = subprocess.Popen(cmd + ["ingest", str(corpus), "--db", str(db), "--published", "2024-05-15",
                                                 "--batch-size", "4"],
                                          stdout=log, stderr=subprocess.STDOUT, env=env)
            try:
                # the load starts once the writer is writing, so that the whole phase runs alongside it
                deadline = time.monotonic() + 120
                while "added " not in ingest_log.read_text() and writer.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.1)
                before = documents_in(base)
                result = asyncio.run(load(base, args.clients, args.seconds, args.write_ratio, args.seed + 1))
            finally:
                finished = writer.poll() is not None
                text = ingest_log.read_text()  # what it said before we stopped it
                stop(writer)  # SIGINT: a document being written is rolled back; what was stored stays whole
            failed = [line for line in text.splitlines() if line.startswith("eventwire:")]
            after = documents_in(base)
            result["ingest"] = {"stored": after - before, "stored_in_all": after - seeded_docs, "failed": len(failed),
                                "finished_during_phase": finished,
                                "exit_status": writer.returncode if finished else None,
                                "first_failures": failed[:5]}
            report["phases"]["serve_with_ingest"] = result
            print_phase("Phase 2, the server while eventwire ingest writes the same store", result, args.clients)
            for line in failed[:5]:
                print(f"    ingest error: {line}")
    except (RuntimeError, httpx.HTTPError, subprocess.TimeoutExpired) as exc:
        print(f"api_load: {exc}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            stop(server)
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    errors = 0
    for phase in report["phases"].values():
        errors += sum(phase[name]["errors"] for name in ("POST /v1/code", "GET /v1/events"))
        errors += phase.get("ingest", {}).get("failed", 0)
    report["errors"] = errors
    print(f"\nerrors: {errors}")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
