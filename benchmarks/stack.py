"""The decision API through the whole stack (nginx with TLS in front of two gunicorn app servers,
as deploy/ describes it) beside one gunicorn server called directly, as benchmarks/run.py runs it;
the stack's figures are printed as a ratio of the single server's.

    python benchmarks/stack.py [--database-url postgres://root@127.0.0.1:5432/csam_bench]

Fill the database first with benchmarks/generate.py. The pieces are run.py's: its service client
key and question pool (`prepare` below calls them, without run.py's in-process query counts), its
environment, gunicorn server and wrk runs and scripts; the stack is the scale-out test's
(tests/operations/stack.py) without Celery, and without the relays that test cuts. Both sides use
the same database, the same Redis database and cache prefix, run.py's client rate (counted, never
reached), and by default the same number of gunicorn workers in all: one per core for the single
server, half as many on each of the two app servers.

Figures, each the median of --repeats runs interleaved between the two sides: single decisions
uncached (the cache forgotten before each run, every request a new question) at --connections
and at 1 connection, and cached at --connections. On one machine nginx, TLS and the second
server's processes share the cores with everything else, so the ratio shows their cost; on
separate hosts the app servers would add their cores.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import run  # noqa: E402 - benchmarks/run.py, beside this file

FIGURES = [
    ("single, uncached", "connections", True),
    ("single, uncached", 1, True),
    ("single, cached", "connections", False),
]


def prepare(args: argparse.Namespace) -> int:
    """(In a child process with Django set up against the database.) run.py's key and question
    pool, written as its prepare step writes them, without its in-process query counts."""
    import json
    import random

    import django

    os.chdir(run.PROJECT)
    django.setup()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    key = run._issue_key()
    rng = random.Random(args.seed)  # noqa: S311 - sampling, not secrets
    pool, composition = run._question_pool(args.pool, rng)
    with (out / "questions.jsonl").open("w") as f:
        for question in pool:
            f.write(json.dumps(question, separators=(",", ":")) + "\n")
    batches = [pool[i : i + run.BATCH] for i in range(0, len(pool) - run.BATCH + 1, run.BATCH)]
    with (out / "batches.jsonl").open("w") as f:
        for batch in batches:
            f.write(json.dumps({"questions": batch}, separators=(",", ":")) + "\n")
    report = {"key": key, "pool": len(pool), "batches": len(batches), "composition": composition}
    (out / "prepare.json").write_text(json.dumps(report))
    return 0


def run_prepare(args: argparse.Namespace, out: Path) -> dict:
    import json
    import subprocess

    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "prepare",
        "--out",
        str(out),
        "--pool",
        str(args.pool),
        "--seed",
        str(args.seed),
    ]
    env = run.django_env(args.database_url, args.redis_url)
    subprocess.run(command, cwd=run.PROJECT, env=env, check=True)  # noqa: S603 - ourselves
    report = json.loads((out / "prepare.json").read_text())
    print(f"  {report['pool']:,} questions ({report['composition']})", flush=True)
    return report


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["prepare"]:
        child = argparse.ArgumentParser()
        child.add_argument("command")
        child.add_argument("--out", required=True)
        child.add_argument("--pool", type=int, required=True)
        child.add_argument("--seed", type=int, default=7)
        return prepare(child.parse_args(argv))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=run.DEFAULT_URL)
    parser.add_argument("--redis-url", default=run.DEFAULT_REDIS, help="a Redis database to use")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="single server")
    parser.add_argument(
        "--stack-workers",
        type=int,
        default=max(1, (os.cpu_count() or 1) // 2),
        help="gunicorn workers on each of the two app servers",
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pool", type=int, default=100_000, help="questions to sample")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the work files and logs")
    args = parser.parse_args(argv)

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    if not run._db_exists(args.database_url):
        raise SystemExit(f"No data at {args.database_url}: run benchmarks/generate.py first.")
    from tests.operations.stack import Stack

    work = Path(tempfile.mkdtemp(prefix="csam-bench-stack-"))
    print(f"Work files and logs (removed at the end unless --keep): {work}")
    print(f"Preparing {args.database_url} ...", flush=True)
    files = work / "prepared"
    prepared = run_prepare(args, files)
    key = prepared["key"]
    single_args = [str(files / "questions.jsonl"), key, "/api/v1/decisions/"]

    # Both sides as run.py runs its server: its cache prefix and Redis database, quiet logs,
    # its client rate (counted, never reached).
    env = run.django_env(args.database_url, args.redis_url)
    stack_env = {
        "CACHE_KEY_PREFIX": run.CACHE_PREFIX,
        "LOG_LEVEL": "WARNING",
        "API_CLIENT_RATE": env.get("API_CLIENT_RATE", "off"),
        "DATABASE_CONN_MAX_AGE": "600",
    }
    c = args.connections
    results: dict[tuple[str, str, int], list[run.Run]] = {}
    started = time.monotonic()
    with contextlib.ExitStack() as stack_guard:
        single = stack_guard.enter_context(
            run.Server(env, args.workers, work / "gunicorn-single.log")
        )
        single.wait_ready("/api/v1/clients/me/", key)
        run.METER.arbiters.append(single.pid)
        stack = Stack(
            work / "stack",
            database_url=args.database_url,
            redis_url=args.redis_url,
            app_servers=2,
            gunicorn_workers=args.stack_workers,
            celery=False,
            seed=False,
            create_database=False,
            taps=False,
            ready_path="/healthz",  # the generated database may lag the latest migrations
            extra_env=stack_env,
        )
        stack_guard.enter_context(stack)
        for server in stack.servers:
            run.METER.arbiters.append(server.process.popen.pid)
        if stack.nginx_process is not None:
            run.METER.arbiters.append(stack.nginx_process.popen.pid)
        run.METER.databases.append(run._database_name(args.database_url))
        run.METER.admin_url = run._admin_url(args.database_url)
        front = SimpleNamespace(base=stack.base)

        print(
            f"Load: single server {args.workers} sync workers; stack nginx (TLS) + 2 app servers x "
            f"{args.stack_workers} worker(s); wrk {c} connections, {args.duration:g} s x "
            f"{args.repeats} per figure",
            flush=True,
        )
        for target in (single, front):  # warm up: imports, connections, TLS sessions
            run.wrk(target, "post.lua", [*single_args, "0", "0"], c, args.threads, 2)
        pool = prepared["pool"]
        cached_n = str(min(run.CACHED_QUESTIONS, pool))
        for repeat in range(args.repeats):
            idle = run.wait_quiet(120)
            print(f"  repeat {repeat + 1}/{args.repeats} (CPU idle before: {idle:.0%})", flush=True)
            for side, target in (("single server", single), ("stack", front)):
                for name, conns_spec, uncached in FIGURES:
                    conns = c if conns_spec == "connections" else conns_spec
                    if uncached:
                        run.forget_cache(args.redis_url)
                        # Each side and repeat starts at its own place in the pool.
                        offset = (2 * repeat + (side == "stack")) * pool // (2 * args.repeats)
                        script_args = [*single_args, str(offset), "0"]
                    else:
                        run.warm(
                            run.Target("full", single, prepared, files),
                            min(run.CACHED_QUESTIONS // run.BATCH, prepared["batches"]),
                        )
                        script_args = [*single_args, "0", cached_n]
                    result = run.wrk(
                        target, "post.lua", script_args, conns, args.threads, args.duration
                    )
                    results.setdefault((side, name, conns), []).append(result)
        run.forget_cache(args.redis_url)
    print(f"Load runs took {time.monotonic() - started:.0f} s\n")
    status = report(results, args)
    if args.keep:
        print(f"Kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return status


def report(results: dict[tuple[str, str, int], list[run.Run]], args: argparse.Namespace) -> int:
    def median(runs: list[run.Run], attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in runs)

    header = (
        f"{'figure':<22} {'conn':>4} | {'single req/s':>12} {'p50 ms':>7} {'p99 ms':>7} | "
        f"{'stack req/s':>11} {'p50 ms':>7} {'p99 ms':>7} | {'x single':>8} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    errors = 0
    for name, conns_spec, _uncached in FIGURES:
        conns = args.connections if conns_spec == "connections" else conns_spec
        one = results.get(("single server", name, conns), [])
        both = results.get(("stack", name, conns), [])
        if not one or not both:
            continue
        # The ratio within each repeat, then its median: both sides ran minutes apart at most.
        ratios = [b.rps / a.rps for a, b in zip(one, both, strict=False) if a.rps]
        failed = sum(r.errors for r in one + both)
        errors += failed
        print(
            f"{name:<22} {conns:>4} | {median(one, 'rps'):>12,.0f} {median(one, 'p50_ms'):>7.2f} "
            f"{median(one, 'p99_ms'):>7.2f} | {median(both, 'rps'):>11,.0f} "
            f"{median(both, 'p50_ms'):>7.2f} {median(both, 'p99_ms'):>7.2f} | "
            f"{statistics.median(ratios):>8.2f} {failed:>6}"
        )
    print(
        f"\nMedian of {args.repeats} runs of {args.duration:g} s. x single = stack req/s / single "
        "server req/s, the median of the ratios within each repeat. Single server: gunicorn "
        f"called directly over HTTP, {args.workers} workers. Stack: HTTPS to nginx, which passes "
        f"each request to one of two app servers ({args.stack_workers} gunicorn worker(s) each, "
        "deploy/gunicorn.conf.py), all on this machine."
    )
    if errors:
        print(f"ERROR: {errors} failed or non-2xx answers.")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
