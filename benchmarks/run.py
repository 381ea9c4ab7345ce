"""Load-test the decision API under gunicorn with wrk, against the baseline of a trivial JSON view
of the same project, and gate on ratios and SQL query counts.

    python benchmarks/run.py [--database-url postgres://root@127.0.0.1:5432/csam_bench]
                             [--small-database-url postgres://root@127.0.0.1:5432/csam_bench_small]

Fill the databases first with benchmarks/generate.py (full scale, and ``--scale small``). Per
database, a child process (``run.py prepare``) sets Django up against it, issues a service client
key for every service, samples a pool of questions that exist (allow and deny), writes them as
request bodies, and counts SQL queries per decision in-process (CaptureQueriesContext). Then
gunicorn serves the project (sync workers, one per core, persistent database connections) on
127.0.0.1 and wrk measures, each run repeated and bounded in time:

- baseline: GET /healthz/ (or /healthz) when the project has it, else GET /api/v1/clients/me/;
- single decisions, uncached (cache forgotten before the run; every request a new question) and
  cached (a small set of questions answered once before), at N and at 1 connections;
- batches of 100 questions, uncached and cached;
- with --small-database-url: single uncached decisions on the small data set, for the latency
  ratio full / small.

Repeats are interleaved, and ratios are taken within each repeat, then their median: the
machine may speed up or slow down for minutes at a time. Each run also records how much CPU
other processes took meanwhile (a run disturbed by more than --max-others is run again) and the
CPU time our own processes (gunicorn, PostgreSQL backends, Redis, wrk) spent per request.

Prints the figures (median of the repeats; spread = (max - min) / median of req/s or p50, flagged
above 20%) and the gates; exits 1 when a gate fails, after printing everything.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
DEFAULT_URL = "postgres://root@127.0.0.1:5432/csam_bench"
SMALL_URL = "postgres://root@127.0.0.1:5432/csam_bench_small"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
CACHE_PREFIX = "csambench"

# Reference figures of the issue ("Targets"); only the ratios between them are gated.
REFERENCE_BASELINE_RPS = 4800.0
TARGET_SINGLE_RATIO = 0.5
TARGET_BATCH_DPS = 10_000.0
TARGET_BATCH_RATIO = TARGET_BATCH_DPS / REFERENCE_BASELINE_RPS  # about 2.08
TARGET_P99_MS = 10.0
TARGET_P50_1_MS = 1.0
TARGET_SMALL_RATIO = 1.2
SPREAD_LIMIT = 0.20
BATCH = 100
CACHED_QUESTIONS = 2_000  # the set the cached runs ask, answered once beforehand
ARGS_MAX_OTHERS = [0.10]  # --max-others, for the report


def django_env(database_url: str, redis_url: str) -> dict[str, str]:
    """The environment gunicorn and the prepare step run the project with."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="csam.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CACHE_KEY_PREFIX=CACHE_PREFIX,
        DEBUG="0",
        # Plain HTTP on the loopback: without this, DEBUG=0 redirects every request to https.
        SECURE="0",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1,testserver",
        DATABASE_CONN_MAX_AGE="600",
        LOG_LEVEL="WARNING",
        # The per-client rate limit still counts every request (its cost is measured), but at a
        # rate no run reaches.
        API_CLIENT_RATE="1000000000/minute",
    )
    return env


def forget_cache(redis_url: str) -> int:
    """Delete the benchmark's cache keys (only those: the Redis database may be shared)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    deleted = 0
    batch: list[bytes] = []
    for key in client.scan_iter(match=f"{CACHE_PREFIX}:*", count=5000):
        batch.append(key)
        if len(batch) >= 5000:
            deleted += client.unlink(*batch)
            batch.clear()
    if batch:
        deleted += client.unlink(*batch)
    client.close()
    return deleted


# --- prepare: runs in a child process with Django set up against one database ------------------


def prepare(args: argparse.Namespace) -> int:
    os.chdir(PROJECT)
    sys.path.insert(0, str(PROJECT))
    import django

    django.setup()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {}
    key = _issue_key()
    report["key"] = key
    rng = random.Random(args.seed)  # noqa: S311 - sampling, not secrets
    pool, report["composition"] = _question_pool(args.pool, rng)
    report["pool"] = len(pool)
    with (out / "questions.jsonl").open("w") as f:
        for q in pool:
            f.write(json.dumps(q, separators=(",", ":")) + "\n")
    batches = [pool[i : i + BATCH] for i in range(0, len(pool) - BATCH + 1, BATCH)]
    with (out / "batches.jsonl").open("w") as f:
        for b in batches:
            f.write(json.dumps({"questions": b}, separators=(",", ":")) + "\n")
    report["batches"] = len(batches)
    report.update(_count_queries(key, pool, args.redis_url, args.measure))
    (out / "prepare.json").write_text(json.dumps(report, indent=1))
    return 0


def _issue_key() -> str:
    from companies.models import Service
    from companies.services.clients import service_client_create
    from governance.models import Organisation

    organisation = Organisation.objects.order_by("id").first()
    if organisation is None:
        raise SystemExit("No organisation: fill the database with benchmarks/generate.py first.")
    _client, key = service_client_create(
        name=f"benchmark {time.strftime('%Y-%m-%d %H:%M:%S')}",
        organisation=organisation,
        services=list(Service.objects.all()),
        actor_label="benchmarks/run.py",
    )
    return key


def _rows(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# The mix of questions: name, share, and whether it is mostly allowed.
MIX = [
    ("grant", 0.45),  # a collaborator for their company (mostly allow; history gives denials)
    ("representative", 0.05),  # a legal representative, any role (allow)
    ("mandate", 0.20),  # a mandatary person for the root mandator (chains included)
    ("provider", 0.10),  # a provider's collaborator for the provider's client
    ("random", 0.15),  # a random person for a random company (deny)
    ("self", 0.05),  # in one's own name
]
ASSURANCE = [("high", 0.7), ("substantial", 0.2), ("low", 0.1)]

_ROOT = """
    LEFT JOIN mandates_mandate p1 ON p1.id = m.parent_id
    LEFT JOIN mandates_mandate p2 ON p2.id = p1.parent_id
    JOIN mandates_mandate root ON root.id = COALESCE(p2.id, p1.id, m.id)
    LEFT JOIN identity_person rp ON rp.id = root.mandator_person_id
    LEFT JOIN companies_company rc ON rc.id = root.mandator_company_id
    JOIN LATERAL (
        SELECT sc.domain_id, sc.service_id, sc.role_id FROM mandates_mandatescope sc
        WHERE sc.mandate_id = m.id ORDER BY sc.id LIMIT 1
    ) sc ON true
"""


def _question_pool(size: int, rng: random.Random) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Questions about parties and roles that exist, in the proportions of MIX, shuffled and
    without repeats (a repeat would be answered from the cache). Each category draws its rows at
    random; a small data set has fewer rows than the pool wants, so its rows are used again with
    another level of assurance or another role in scope (different questions), as far as that
    goes without repeats."""
    roles = _rows(
        "SELECT r.id, r.code, s.id, s.code, s.domain_id FROM companies_role r "
        "JOIN companies_service s ON s.id = r.service_id ORDER BY r.id"
    )
    by_id = {r[0]: (r[3], r[1]) for r in roles}
    by_service: dict[int, list[int]] = {}
    by_domain: dict[int, list[int]] = {}
    for role_id, _code, service_id, _scode, domain_id in roles:
        by_service.setdefault(service_id, []).append(role_id)
        by_domain.setdefault(domain_id, []).append(role_id)
    role_ids = list(by_id)

    def covered(domain: int | None, service: int | None, role: int | None) -> int:
        if role is not None:
            return role
        if service is not None:
            return rng.choice(by_service[service])
        return rng.choice(by_domain[domain])  # type: ignore[index]

    def level() -> str:
        u, acc = rng.random(), 0.0
        for name, share in ASSURANCE:
            acc += share
            if u < acc:
                return name
        return "high"

    def question(subject: str, kind: str | None, number: str | None, role: int) -> dict[str, Any]:
        service, code = by_id[role]
        on_behalf = {"kind": kind, "number": number} if kind else None
        return {
            "subject": subject,
            "on_behalf_of": on_behalf,
            "service": service,
            "role": code,
            "assurance": level(),
        }

    want = {name: int(size * share) + 1 for name, share in MIX}
    rows: dict[str, list[tuple[Any, ...]]] = {}
    rows["grant"] = _rows(
        """SELECT p.national_number, c.enterprise_number, g.role_id
        FROM (SELECT person_id, company_id, role_id FROM companies_grant
              WHERE NOT for_clients ORDER BY random() LIMIT %s) g
        JOIN identity_person p ON p.id = g.person_id
        JOIN companies_company c ON c.id = g.company_id""",
        [want["grant"]],
    )
    rows["representative"] = _rows(
        """SELECT p.national_number, c.enterprise_number
        FROM (SELECT person_id, company_id FROM companies_legalrepresentative
              ORDER BY random() LIMIT %s) lr
        JOIN identity_person p ON p.id = lr.person_id
        JOIN companies_company c ON c.id = lr.company_id""",
        [want["representative"]],
    )
    rows["mandate"] = _rows(
        f"""WITH m AS (
            SELECT id, parent_id, mandatary_person_id FROM mandates_mandate
            WHERE mandatary_person_id IS NOT NULL ORDER BY random() LIMIT %s)
        SELECT subj.national_number, rp.national_number, rc.enterprise_number,
               sc.domain_id, sc.service_id, sc.role_id
        FROM m JOIN identity_person subj ON subj.id = m.mandatary_person_id {_ROOT}""",  # noqa: S608
        [want["mandate"]],
    )
    rows["provider"] = _rows(
        f"""WITH m AS (
            SELECT id, parent_id, mandatary_company_id FROM mandates_mandate
            WHERE mandatary_company_id IS NOT NULL ORDER BY random() LIMIT %s)
        SELECT gp.national_number, rp.national_number, rc.enterprise_number, g.role_id
        FROM m {_ROOT}
        JOIN LATERAL (
            SELECT g.person_id, g.role_id FROM companies_grant g
            JOIN companies_role r ON r.id = g.role_id
            JOIN companies_service s ON s.id = r.service_id
            WHERE g.company_id = m.mandatary_company_id AND g.for_clients
              AND (g.role_id = sc.role_id OR r.service_id = sc.service_id
                   OR s.domain_id = sc.domain_id)
            ORDER BY random() LIMIT 3
        ) g ON true
        JOIN identity_person gp ON gp.id = g.person_id""",  # noqa: S608
        [want["provider"]],
    )
    (max_person,), (max_company,) = _rows(
        "SELECT max(id) FROM identity_person UNION ALL SELECT max(id) FROM companies_company"
    )
    persons = [
        n
        for (n,) in _rows(
            "SELECT national_number FROM identity_person WHERE id = ANY(%s)",
            [[rng.randint(1, max_person) for _ in range(want["random"] + want["self"])]],
        )
    ]
    companies = [
        n
        for (n,) in _rows(
            "SELECT enterprise_number FROM companies_company WHERE id = ANY(%s)",
            [[rng.randint(1, max_company) for _ in range(want["random"])]],
        )
    ]
    rows["random"] = [(rng.choice(persons), rng.choice(companies)) for _ in range(want["random"])]
    rows["self"] = [(rng.choice(persons),) for _ in range(want["self"])]

    make = {
        "grant": lambda r: question(r[0], "company", r[1], r[2]),
        "representative": lambda r: question(r[0], "company", r[1], rng.choice(role_ids)),
        "mandate": lambda r: question(
            r[0], "person" if r[1] else "company", r[1] or r[2], covered(r[3], r[4], r[5])
        ),
        "provider": lambda r: question(r[0], "person" if r[1] else "company", r[1] or r[2], r[3]),
        "random": lambda r: question(r[0], "company", r[1], rng.choice(role_ids)),
        "self": lambda r: question(r[0], None, None, rng.choice(role_ids)),
    }
    drawn: dict[str, list[dict[str, Any]]] = {}
    seen: set[str] = set()
    for name, _share in MIX:
        drawn[name] = []
        candidates = rows[name]
        i = misses = 0
        # Draw again from the rows until the share is filled or repeats dominate.
        while candidates and len(drawn[name]) < want[name] and misses < 3 * want[name]:
            q = make[name](candidates[i % len(candidates)])
            i += 1
            text = json.dumps(q, sort_keys=True)
            if text in seen:
                misses += 1
                continue
            seen.add(text)
            drawn[name].append(q)
    # Keep the proportions of MIX, so that the latency ratio between data sets compares like
    # with like: a small data set gives a smaller pool.
    scale = min(len(drawn[name]) / want[name] for name, _share in MIX)
    pool = [q for name, _share in MIX for q in drawn[name][: int(want[name] * scale)]]
    rng.shuffle(pool)
    return pool, {name: int(want[name] * scale) for name, _share in MIX}


def _count_queries(key: str, pool: list[dict[str, Any]], redis_url: str, n: int) -> dict[str, Any]:
    """SQL per decision, in-process, from the end of the pool: the engine alone (decide_cached)
    and whole requests through the test client (authentication, validation, engine)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from companies.selectors import catalogue_role
    from csam.authz.apis.questions import _validated_ask
    from csam.authz.decisions import Question, decide_cached

    forget_cache(redis_url)
    n = min(n, (len(pool) - 3 * BATCH) // 2)
    engine_part = pool[-n:]
    request_part = pool[-2 * n : -n]
    batch_part = pool[-2 * n - 3 * BATCH : -2 * n]
    redis_calls = _count_redis_calls()
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {key}")

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = client.post(path, data=body, content_type="application/json")
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}: {response.content[:300]!r}")
        return response.json()

    def question(raw: dict[str, Any]) -> Question:
        ask = _validated_ask(raw)
        return Question(
            subject=ask.subject,
            on_behalf_kind=ask.on_behalf_kind,
            on_behalf_number=ask.on_behalf_number,
            role=catalogue_role(service_code=ask.service_code, role_code=ask.role_code),
            assurance=ask.assurance,
            at=ask.at,
        )

    # Warm the catalogue and the client's key; neither is per-decision work.
    post("/api/v1/decisions/", pool[0])
    forget_cache(redis_url)
    questions = [question(q) for q in engine_part]

    def engine_pass() -> tuple[list[int], list[float], list[str]]:
        counts, times, outcomes = [], [], []
        for q in questions:
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                answer = decide_cached(q)
                times.append(time.perf_counter() - started)
            counts.append(len(ctx.captured_queries))
            outcomes.append(
                "allow"
                if answer.allowed
                else "deny:" + (answer.reasons[0].code if answer.reasons else "?")
            )
        return counts, times, outcomes

    uncached, uncached_time, outcomes = engine_pass()
    engine_pass()  # asked a second time: now stored (an answer is stored from its second ask)
    cached, cached_time, _ = engine_pass()

    # SQL time as PostgreSQL measures it (EXPLAIN ANALYZE of whatever the engine runs).
    sql_ms: list[float] = []
    plans: list[tuple[float, str]] = []

    def explain(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        # A plain cursor of the driver (no wrappers again; EXPLAIN cannot be prepared). It plans
        # the statement anew, so its planning time is what a prepared statement saves.
        with context["connection"].connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
        plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
        sql_ms.append(plan["Planning Time"] + plan["Execution Time"])
        plans.append((plan["Execution Time"], plan["Planning Time"]))
        return execute(sql, params, many, context)

    from csam.authz.decisions import decide_question

    with connection.execute_wrapper(explain):
        for q in questions[:100]:
            decide_question(q)

    def request_pass(part: list[dict[str, Any]]) -> tuple[list[int], list[int]]:
        counts, trips = [], []
        for q in part:
            redis_before = redis_calls[0]
            with CaptureQueriesContext(connection) as ctx:
                post("/api/v1/decisions/", q)
            trips.append(redis_calls[0] - redis_before)
            # A refresh of the client's key (every 15 s per process) is not per-decision work.
            counts.append(
                sum(1 for x in ctx.captured_queries if "companies_serviceclient" not in x["sql"])
            )
        return counts, trips

    req_uncached, redis_uncached = request_pass(request_part)
    request_pass(request_part)
    req_cached, redis_cached = request_pass(request_part)

    def batch_pass() -> tuple[list[int], list[int]]:
        counts, trips = [], []
        for i in range(0, len(batch_part) - BATCH + 1, BATCH):
            redis_before = redis_calls[0]
            with CaptureQueriesContext(connection) as ctx:
                post("/api/v1/decisions/batch/", {"questions": batch_part[i : i + BATCH]})
            trips.append(redis_calls[0] - redis_before)
            counts.append(
                sum(1 for x in ctx.captured_queries if "companies_serviceclient" not in x["sql"])
            )
        return counts, trips

    batch_uncached, batch_redis_uncached = batch_pass()
    batch_pass()
    batch_cached, batch_redis_cached = batch_pass()
    forget_cache(redis_url)
    return {
        "redis_uncached": redis_uncached,
        "redis_cached": redis_cached,
        "batch_redis_uncached": batch_redis_uncached,
        "batch_redis_cached": batch_redis_cached,
        "measured": len(questions),
        "engine_uncached": uncached,
        "engine_cached": cached,
        "engine_uncached_ms": statistics.median(uncached_time) * 1000,
        "engine_cached_ms": statistics.median(cached_time) * 1000,
        "sql_ms_median": statistics.median(sql_ms) if sql_ms else None,
        "sql_ms_p99": sorted(sql_ms)[int(len(sql_ms) * 0.99) - 1] if sql_ms else None,
        "sql_planning_ms_median": statistics.median(p for _e, p in plans) if plans else None,
        "request_uncached": req_uncached,
        "request_cached": req_cached,
        "batch_uncached": batch_uncached,
        "batch_cached": batch_cached,
        "outcomes": dict(Counter(outcomes).most_common()),
    }


def _count_redis_calls() -> list[int]:
    """Count round trips to Redis from now on (a pipeline is one, and so is the decision's own
    read); writes sent without waiting for a reply are not round trips. Returns the counter."""
    import redis.client

    from csam import cache as project_cache

    counter = [0]
    command = redis.client.Redis.execute_command
    pipeline = redis.client.Pipeline.execute
    own_call = getattr(project_cache, "_OwnConnection", None)

    def execute_command(self: Any, *args: Any, **options: Any) -> Any:
        counter[0] += 1
        return command(self, *args, **options)

    def execute(self: Any, *args: Any, **options: Any) -> Any:
        counter[0] += 1
        return pipeline(self, *args, **options)

    redis.client.Redis.execute_command = execute_command  # type: ignore[method-assign]
    redis.client.Pipeline.execute = execute  # type: ignore[method-assign]
    if own_call is not None:
        call = own_call.call

        def counted_call(self: Any, *args: Any, **options: Any) -> Any:
            counter[0] += 1
            return call(self, *args, **options)

        own_call.call = counted_call
    return counter


# --- the load runs ------------------------------------------------------------------------------


@dataclass
class Run:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    others: float = 0.0  # share of the machine's CPU used by other processes meanwhile
    cpu: dict[str, float] = field(default_factory=dict)  # our CPU seconds by process group

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


@dataclass
class Measure:
    name: str
    connections: int
    per_request: int = 1  # decisions per request
    runs: list[Run] = field(default_factory=list)
    sql: float | None = None  # queries per decision, in-process

    def median(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)

    def spread(self, attr: str) -> float:
        values = [getattr(r, attr) for r in self.runs]
        middle = statistics.median(values)
        return (max(values) - min(values)) / middle if middle else 0.0

    @property
    def unstable(self) -> bool:
        return len(self.runs) > 1 and max(self.spread("rps"), self.spread("p50_ms")) > SPREAD_LIMIT

    def cpu_ms(self) -> dict[str, float]:
        """Our CPU time per request (ms) by process group, over all runs."""
        requests = sum(r.requests for r in self.runs) or 1
        groups: dict[str, float] = {}
        for r in self.runs:
            for group, seconds in r.cpu.items():
                groups[group] = groups.get(group, 0.0) + seconds
        return {g: v * 1000 / requests for g, v in groups.items()}

    @property
    def others(self) -> float:
        return max(r.others for r in self.runs)

    @property
    def disturbed(self) -> bool:
        return self.others > ARGS_MAX_OTHERS[0]

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.runs)


class Server:
    """gunicorn on 127.0.0.1 with sync workers, against one database."""

    def __init__(
        self, env: dict[str, str], workers: int, log: Path, config: str | None = None
    ) -> None:
        self.env = env
        self.workers = workers
        self.config = config
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None  # noqa: S101
        return self.process.pid

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [
            str(gunicorn),
            "csam.wsgi:application",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--backlog",
            "2048",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ]
        if self.config:
            command += ["--config", self.config]
        self.process = subprocess.Popen(  # noqa: S603
            command,
            cwd=PROJECT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def wait_ready(self, path: str, key: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log}")
            if http_get(self.base + path, key)[0] == 200:
                return
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer within 60 s; see {self.log}")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def http_get(url: str, key: str | None = None) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url)  # noqa: S310 - always http://127.0.0.1
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), b""
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, "", b""


def wrk(
    server: Server,
    script: str,
    script_args: list[str],
    connections: int,
    threads: int,
    seconds: float,
) -> Run:
    threads = max(1, min(threads, connections))
    command = [
        shutil.which("wrk") or "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "5s",
        "-s",
        str(HERE / "wrk" / script),
        server.base,
        "--",
        *script_args,
    ]
    if script == "post.lua":
        command.append(str(threads))
    before = METER.snapshot()
    result = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    others, cpu = METER.since(before)
    line = next((x for x in result.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if result.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    data = json.loads(line[len("WRKJSON ") :])
    errors = sum(
        data[k]
        for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    return Run(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=errors,
        others=others,
        cpu=cpu,
    )


def _ticks(pid: int) -> int:
    """CPU time of a process so far (user + system, clock ticks); 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _machine() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine so far."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:9]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class Meter:
    """How much CPU other processes took during a run: the machine's busy time minus ours
    (gunicorn workers, our PostgreSQL backends, redis-server, wrk). The machine may be shared,
    and a run next to someone's test suite measures them as much as us."""

    def __init__(self) -> None:
        self.arbiters: list[int] = []
        self.databases: list[str] = []
        self.admin_url: str | None = None
        self._conn: Any = None

    def _pids(self) -> dict[int, str]:
        pids: dict[int, str] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    head, tail = f.read().rsplit(")", 1)
            except OSError:
                continue
            ppid = int(tail.split()[1])
            if ppid in self.arbiters:
                pids[int(entry)] = "python"
            elif head.endswith("(redis-server"):
                pids[int(entry)] = "redis"
        if self.admin_url and self.databases:
            import psycopg

            if self._conn is None:
                self._conn = psycopg.connect(self.admin_url, autocommit=True)
            rows = self._conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = ANY(%s)", (self.databases,)
            ).fetchall()
            pids.update((r[0], "postgres") for r in rows)
        return pids

    Snapshot = tuple[tuple[int, int], dict[int, tuple[str, int]], float]

    def snapshot(self) -> Snapshot:
        times = os.times()
        ticks = {p: (group, _ticks(p)) for p, group in self._pids().items()}
        return _machine(), ticks, times[2] + times[3]

    def since(self, before: Snapshot) -> tuple[float, dict[str, float]]:
        """The share of the machine other processes used, and our CPU seconds by group."""
        (busy0, total0), ours0, children0 = before
        (busy1, total1), ours1, children1 = self.snapshot()
        hz = os.sysconf("SC_CLK_TCK")
        groups: dict[str, float] = {"python": 0.0, "postgres": 0.0, "redis": 0.0}
        for pid, (group, ticks) in ours1.items():
            groups[group] += (ticks - ours0.get(pid, (group, 0))[1]) / hz
        groups["wrk"] = children1 - children0
        ours = sum(groups.values()) * hz
        return max(0.0, (busy1 - busy0 - ours) / max(1, total1 - total0)), groups


METER = Meter()


def xacts(database_url: str) -> int:
    """Transactions (statements, in autocommit) committed or rolled back in the database."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database "
            "WHERE datname = current_database()"
        ).fetchone()
    return int(row[0]) if row else 0


def run_prepare(args: argparse.Namespace, database_url: str, out: Path, pool: int) -> dict:
    env = django_env(with_options(database_url, args.db_options), args.redis_url)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "prepare",
        "--out",
        str(out),
        "--pool",
        str(pool),
        "--redis-url",
        args.redis_url,
        "--measure",
        str(args.measure),
        "--seed",
        str(args.seed),
    ]
    started = time.monotonic()
    subprocess.run(command, cwd=PROJECT, env=env, check=True)  # noqa: S603
    report = json.loads((out / "prepare.json").read_text())
    mix = ", ".join(f"{k} {v:,}" for k, v in report["composition"].items())
    print(
        f"  {report['pool']:,} questions ({mix}) in {time.monotonic() - started:.0f} s",
        flush=True,
    )
    return report


def with_options(url: str, options: str) -> str:
    """DATABASE_URL with query-string options, which dj-database-url turns into OPTIONS."""
    if not options:
        return url
    return url + ("&" if "?" in url else "?") + options


def baseline_path(server: Server, key: str) -> tuple[str, str | None, str]:
    """/healthz/ or /healthz when the project has it (a plain JSON view), else clients/me."""
    for path in ("/healthz/", "/healthz"):
        status, content_type, _body = http_get(server.base + path)
        if status == 200 and "json" in content_type:
            return path, None, f"GET {path}"
    return "/api/v1/clients/me/", key, "GET /api/v1/clients/me/"


def cpu_idle(seconds: float = 1.0) -> float:
    """Share of the machine's CPU time spent idle over the next `seconds` (Linux)."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        return values[3] + values[4], sum(values[:8])

    idle0, total0 = sample()
    time.sleep(seconds)
    idle1, total1 = sample()
    return (idle1 - idle0) / max(1, total1 - total0)


def wait_quiet(limit: float, threshold: float = 0.9) -> float:
    """Wait (at most `limit` seconds) until other processes leave the CPU idle for 3 s; the
    idle share."""
    deadline = time.monotonic() + limit
    idle = cpu_idle(3.0)
    while idle < threshold and time.monotonic() < deadline:
        idle = cpu_idle(3.0)
    return idle


@dataclass
class Target:
    """One database under load: its server, key and prepared request bodies."""

    label: str
    server: Server
    prepared: dict
    files: Path

    @property
    def single(self) -> list[str]:
        return [str(self.files / "questions.jsonl"), self.prepared["key"], "/api/v1/decisions/"]

    @property
    def batch(self) -> list[str]:
        return [str(self.files / "batches.jsonl"), self.prepared["key"], "/api/v1/decisions/batch/"]


def warm(target: Target, batches: int) -> None:
    """Ask the first `batches` batches twice, so that their answers (the questions of the cached
    runs) are in the cache: an answer is stored from the second time its question is asked."""
    with (target.files / "batches.jsonl").open("rb") as f:
        bodies = [f.readline() for _ in range(batches)]
    for body in bodies + bodies:
        if body:
            request = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1
                target.server.base + "/api/v1/decisions/batch/", data=body, method="POST"
            )
            request.add_header("Authorization", f"Bearer {target.prepared['key']}")
            request.add_header("Content-Type", "application/json")
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                response.read()


def measure(
    args: argparse.Namespace, full: Target, small: Target | None
) -> tuple[dict[str, Measure], dict[str, Measure], dict[str, Any]]:
    """Every figure, repeat by repeat (so that a busy moment shows as spread, not as a ratio).
    A run during which other processes took more than --max-others of the CPU is run again
    (at most --retries times), after waiting for the machine to quieten."""
    c, d, t = args.connections, args.duration, args.threads
    measures: dict[str, dict[str, Measure]] = {"full": {}, "small": {}}
    info: dict[str, Any] = {"idle_before_repeats": [], "retried_runs": 0}

    def load(
        server: Server, script: str, script_args: list[str], conns: int, uncached: bool = False
    ) -> Run:
        for attempt in range(args.retries + 1):
            if attempt:
                info["retried_runs"] += 1
                wait_quiet(args.wait_quiet)
            if uncached:
                forget_cache(args.redis_url)
            run = wrk(server, script, script_args, conns, t, d)
            if run.others <= args.max_others:
                break
        return run

    def add(target: Target, name: str, conns: int, run: Run, per_request: int = 1) -> None:
        table = measures[target.label]
        m = table.setdefault(f"{name}@{conns}", Measure(name, conns, per_request))
        m.runs.append(run)

    path, path_key, baseline_label = baseline_path(full.server, full.prepared["key"])
    info["baseline"] = baseline_label
    get_args = [path] + ([path_key] if path_key else [])
    for target in [full] + ([small] if small else []):
        # Warm up: workers import everything and open their connections.
        wrk(target.server, "post.lua", [*target.single, "0", "0"], c, t, 2)
    wrk(full.server, "get.lua", get_args, c, t, 2)

    # Statements per request as PostgreSQL counts them (health checks included), once.
    database = args.database_url
    forget_cache(args.redis_url)
    time.sleep(11)  # PostgreSQL publishes an idle backend's statistics within 10 s
    before = xacts(database)
    run = wrk(
        full.server, "post.lua", [*full.single, str(full.prepared["pool"] // 2), "0"], c, t, d
    )
    time.sleep(11)
    info["server_statements_per_request"] = (xacts(database) - before - 1) / run.requests

    pool, nbatches = full.prepared["pool"], full.prepared["batches"]
    cached_n = str(min(CACHED_QUESTIONS, pool))
    cached_b = str(min(CACHED_QUESTIONS // BATCH, nbatches))
    for repeat in range(args.repeats):
        idle = wait_quiet(args.wait_quiet)
        info["idle_before_repeats"].append(idle)
        print(f"  repeat {repeat + 1}/{args.repeats} (CPU idle before: {idle:.0%})", flush=True)
        label = f"baseline: {baseline_label}"
        add(full, label, c, load(full.server, "get.lua", get_args, c))
        add(full, label, 1, load(full.server, "get.lua", get_args, 1))
        for target in [full] + ([small] if small else []):
            # Uncached: the cache forgotten, every request a question not asked before, from
            # the repeat's own place in the pool.
            offset = str(repeat * target.prepared["pool"] // args.repeats)
            for conns in (c, 1):
                run = load(target.server, "post.lua", [*target.single, offset, "0"], conns, True)
                add(target, "single, uncached", conns, run)
        # Cached: the first CACHED_QUESTIONS questions (the first batches hold the same ones),
        # each answered once beforehand.
        warm(full, int(cached_b))
        for conns in (c, 1):
            run = load(full.server, "post.lua", [*full.single, "0", cached_n], conns)
            add(full, "single, cached", conns, run)
        offset_b = str(repeat * nbatches // args.repeats)
        run = load(full.server, "post.lua", [*full.batch, offset_b, "0"], c, True)
        add(full, f"batch of {BATCH}, uncached", c, run, BATCH)
        warm(full, int(cached_b))
        run = load(full.server, "post.lua", [*full.batch, "0", cached_b], c)
        add(full, f"batch of {BATCH}, cached", c, run, BATCH)
    forget_cache(args.redis_url)
    return measures["full"], measures["small"], info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("prepare", help="(internal) prepare one database; needs Django settings")
    p.add_argument("--out", required=True)
    p.add_argument("--pool", type=int, required=True)
    p.add_argument("--redis-url", default=DEFAULT_REDIS)
    p.add_argument("--measure", type=int, default=300)
    p.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument(
        "--small-database-url",
        default=SMALL_URL,
        help="the 10k-grant data set, for the latency ratio ('' to skip)",
    )
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="a Redis database to use")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="= cores")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pool", type=int, default=300_000, help="questions to sample")
    parser.add_argument("--measure", type=int, default=300, help="in-process SQL counts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--db-options",
        default="",
        help="query string added to DATABASE_URL for the project (dj-database-url OPTIONS), "
        "e.g. 'server_side_binding=true&prepare_threshold=5'",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=120,
        help="before each repeat, wait up to this many seconds for other processes to idle",
    )
    parser.add_argument(
        "--max-others",
        type=float,
        default=0.10,
        help="run again a run during which other processes used more of the CPU than this",
    )
    parser.add_argument("--retries", type=int, default=2, help="for disturbed runs")
    parser.add_argument(
        "--gunicorn-config", help="a gunicorn config file (hooks), to measure an experiment"
    )
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--keep", action="store_true", help="keep the work files (request bodies, logs)"
    )
    args = parser.parse_args(argv)
    if args.command == "prepare":
        return prepare(args)
    ARGS_MAX_OTHERS[0] = args.max_others
    return bench(args)


def _database_name(url: str) -> str:
    from psycopg import conninfo

    return str(conninfo.conninfo_to_dict(url).get("dbname") or "")


def _admin_url(url: str) -> str:
    from psycopg import conninfo

    params = conninfo.conninfo_to_dict(url)
    params["dbname"] = "postgres"
    return conninfo.make_conninfo(**params)


def _db_exists(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM companies_grant").fetchone() is not None
    except psycopg.Error:
        return False


def bench(args: argparse.Namespace) -> int:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    if not Path(sys.executable).with_name("gunicorn").exists():
        raise SystemExit(f"gunicorn is missing: {sys.executable} -m pip install gunicorn")
    if not _db_exists(args.database_url):
        raise SystemExit(f"No data at {args.database_url}: run benchmarks/generate.py first.")
    small_url = args.small_database_url or None
    if small_url and not _db_exists(small_url):
        print(f"No data at {small_url}: the latency ratio full / small is skipped.")
        small_url = None

    work = Path(tempfile.mkdtemp(prefix="csam-bench-"))
    print(f"Work files and the gunicorn logs (removed at the end unless --keep): {work}")
    print(f"Preparing {args.database_url} ...", flush=True)
    full_prep = run_prepare(args, args.database_url, work / "full", args.pool)
    small_prep = None
    if small_url:
        print(f"Preparing {small_url} ...", flush=True)
        small_prep = run_prepare(args, small_url, work / "small", args.pool)

    print(
        f"Load: gunicorn {args.workers} sync workers, wrk {args.connections} connections "
        f"({args.threads} thread), {args.duration:g} s x {args.repeats} per figure"
        + (f", database options {args.db_options}" if args.db_options else ""),
        flush=True,
    )
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        full_env = django_env(with_options(args.database_url, args.db_options), args.redis_url)
        full_server = stack.enter_context(
            Server(full_env, args.workers, work / "gunicorn-full.log", args.gunicorn_config)
        )
        full_server.wait_ready("/api/v1/clients/me/", full_prep["key"])
        METER.arbiters.append(full_server.pid)
        METER.databases.append(_database_name(args.database_url))
        METER.admin_url = _admin_url(args.database_url)
        full = Target("full", full_server, full_prep, work / "full")
        small = None
        if small_url and small_prep:
            env = django_env(with_options(small_url, args.db_options), args.redis_url)
            server = stack.enter_context(
                Server(env, args.workers, work / "gunicorn-small.log", args.gunicorn_config)
            )
            server.wait_ready("/api/v1/clients/me/", small_prep["key"])
            METER.arbiters.append(server.pid)
            METER.databases.append(_database_name(small_url))
            small = Target("small", server, small_prep, work / "small")
        full_measures, small_measures, info = measure(args, full, small)
    print(f"Load runs took {time.monotonic() - started:.0f} s\n")
    status = report(args, full_measures, full_prep, small_measures or None, small_prep, info)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return status


# --- the report ---------------------------------------------------------------------------------


def paired(m: Measure, base: Measure, attr: str, factor: int = 1) -> list[float]:
    """m / base, repeat by repeat: both ran in the same repeat, minutes apart at most, so a
    machine that is faster or slower for a while moves both."""
    return [
        getattr(a, attr) * factor / getattr(b, attr)
        for a, b in zip(m.runs, base.runs, strict=False)
        if getattr(b, attr)
    ]


def _span(values: list[float]) -> str:
    return f"repeats {min(values):.2f}-{max(values):.2f}" if values else "no runs"


def _mean(values: list[int]) -> float:
    return sum(values) / len(values) if values else float("nan")


def report(
    args: argparse.Namespace,
    full: dict[str, Measure],
    prep: dict,
    small: dict[str, Measure] | None,
    small_prep: dict | None,
    info: dict[str, Any],
) -> int:
    c = args.connections
    base = {m.connections: m for m in full.values() if m.name.startswith("baseline")}
    trips = {
        "single, uncached": _mean(prep["redis_uncached"]),
        "single, cached": _mean(prep["redis_cached"]),
        f"batch of {BATCH}, uncached": _mean(prep["batch_redis_uncached"]) / BATCH,
        f"batch of {BATCH}, cached": _mean(prep["batch_redis_cached"]) / BATCH,
    }
    sql = {
        "single, uncached": _mean(prep["request_uncached"]),
        "single, cached": _mean(prep["request_cached"]),
        f"batch of {BATCH}, uncached": _mean(prep["batch_uncached"]) / BATCH,
        f"batch of {BATCH}, cached": _mean(prep["batch_cached"]) / BATCH,
    }
    rows = [(m, "full") for m in full.values()]
    if small:
        rows += [(m, "small") for m in small.values()]
    header = (
        f"{'figure':<44} {'data':<5} {'conn':>4} {'req/s':>8} {'decisions/s':>11} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'spread':>7} {'x base':>7} {'SQL/dec':>7} {'Redis/dec':>9} "
        f"{'others':>6}"
    )
    print(header)
    print("-" * len(header))
    figures: list[dict[str, Any]] = []
    for m, data in rows:
        b = base.get(m.connections)
        dps = m.median("rps") * m.per_request
        ratio = (
            statistics.median(paired(m, b, "rps", m.per_request))
            if b and data == "full" and b is not m
            else None
        )
        q = sql.get(m.name) if data == "full" else None
        rt = trips.get(m.name) if data == "full" else None
        spread = max(m.spread("rps"), m.spread("p50_ms"))
        print(
            f"{m.name:<44} {data:<5} {m.connections:>4} {m.median('rps'):>8,.0f} "
            f"{'' if m.name.startswith('baseline') else f'{dps:,.0f}':>11} "
            f"{m.median('p50_ms'):>7.2f} {m.median('p99_ms'):>7.2f} {spread:>6.0%}"
            f"{'!' if m.unstable else ' '} {'' if ratio is None else f'{ratio:.2f}':>7} "
            f"{'' if q is None else f'{q:.2f}':>7} {'' if rt is None else f'{rt:.2f}':>9} "
            f"{m.others:>5.0%}{'!' if m.disturbed else ''}"
        )
        figures.append(
            {
                "figure": m.name,
                "data": data,
                "connections": m.connections,
                "req_s": m.median("rps"),
                "decisions_s": dps,
                "p50_ms": m.median("p50_ms"),
                "p99_ms": m.median("p99_ms"),
                "spread": spread,
                "ratio_to_baseline": ratio,
                "sql_per_decision": q,
                "redis_per_decision": rt,
                "runs": [r.__dict__ for r in m.runs],
                "cpu_ms_per_request": m.cpu_ms(),
            }
        )
    print(
        f"\nMedian of {args.repeats} runs of {args.duration:g} s; spread = (max - min) / median of "
        f"req/s or p50, '!' above {SPREAD_LIMIT:.0%}; x base = decisions/s / baseline req/s at "
        "the same connections (median of the ratios within each repeat); SQL/dec and Redis/dec "
        "= queries and Redis round trips per decision through the test client (in-process; "
        "cache writes sent without waiting for a reply are not round trips); "
        "others = the largest share of the machine's CPU that other processes used during a "
        f"run ('!' above {args.max_others:.0%}, after {args.retries} retries)."
    )
    print(
        "\nCPU per request, ms (ours only, whichever process; noise from others excluded):\n"
        f"{'figure':<44} {'data':<5} {'conn':>4} {'python':>7} {'postgres':>8} {'redis':>6} "
        f"{'wrk':>6} {'total':>6}"
    )
    for m, data in rows:
        cpu = m.cpu_ms()
        print(
            f"{m.name:<44} {data:<5} {m.connections:>4} {cpu.get('python', 0):>7.2f} "
            f"{cpu.get('postgres', 0):>8.2f} {cpu.get('redis', 0):>6.2f} {cpu.get('wrk', 0):>6.2f} "
            f"{sum(cpu.values()):>6.2f}"
        )
    print(
        f"\nBaseline: {info['baseline']}"
        + (
            " (the project has no /healthz yet: a DRF view with key authentication, heavier "
            "than a plain JSON view)"
            if "clients/me" in info["baseline"]
            else ""
        )
        + "."
    )
    print(
        "Statements per uncached decision request as PostgreSQL counts them (health check "
        f"included): {info['server_statements_per_request']:.2f}. CPU idle before each repeat: "
        + ", ".join(f"{x:.0%}" for x in info["idle_before_repeats"])
        + f"; runs repeated because the machine was busy: {info['retried_runs']}."
    )
    print(
        f"\nIn-process, {prep['measured']} uncached questions of the full data set: engine "
        f"{prep['engine_uncached_ms']:.2f} ms/decision uncached, {prep['engine_cached_ms']:.3f} "
        f"ms cached; the statement {prep['sql_ms_median']:.2f} ms median, "
        f"{prep['sql_ms_p99']:.2f} ms p99 (EXPLAIN ANALYZE, of which planning "
        f"{prep['sql_planning_ms_median']:.2f} ms)."
    )
    total = sum(prep["outcomes"].values())
    mix = ", ".join(f"{k} {v / total:.0%}" for k, v in prep["outcomes"].items())
    print(f"Answers to those questions: {mix}.")

    gates: list[tuple[str, bool | None, str]] = []
    single = full.get(f"single, uncached@{c}")
    batch = full.get(f"batch of {BATCH}, uncached@{c}")
    b = base.get(c)
    if single and b:
        ratios = paired(single, b, "rps")
        ratio = statistics.median(ratios)
        gates.append(
            (
                f"single decisions, uncached, {c} connections >= {TARGET_SINGLE_RATIO}x baseline",
                ratio >= TARGET_SINGLE_RATIO,
                f"{ratio:.2f}x ({_span(ratios)})",
            )
        )
    if batch and b:
        ratios = paired(batch, b, "rps", BATCH)
        ratio = statistics.median(ratios)
        gates.append(
            (
                f"batch of {BATCH}, uncached >= {TARGET_BATCH_RATIO:.2f}x baseline "
                f"({TARGET_BATCH_DPS:,.0f}/s against {REFERENCE_BASELINE_RPS:,.0f} req/s)",
                ratio >= TARGET_BATCH_RATIO,
                f"{ratio:.2f}x ({_span(ratios)})",
            )
        )
    for label, values, limit in (
        ("engine, uncached: SQL per decision <= 1", prep["engine_uncached"], 1),
        ("engine, cached: no SQL", prep["engine_cached"], 0),
        ("request, uncached: SQL per decision <= 1", prep["request_uncached"], 1),
        ("request, cached: no SQL", prep["request_cached"], 0),
        (f"batch of {BATCH}, uncached: SQL per batch <= {BATCH}", prep["batch_uncached"], BATCH),
        (f"batch of {BATCH}, cached: no SQL", prep["batch_cached"], 0),
    ):
        gates.append((label, max(values) <= limit, f"max {max(values)}, mean {_mean(values):.2f}"))
    errors = sum(m.errors for m in full.values()) + sum(m.errors for m in (small or {}).values())
    gates.append(("no errors or non-2xx answers in any run", errors == 0, f"{errors} errors"))
    if small:
        for conns in (c, 1):
            f, s = full.get(f"single, uncached@{conns}"), small.get(f"single, uncached@{conns}")
            if f and s:
                ratios = paired(f, s, "p50_ms")
                ratio = statistics.median(ratios)
                p99 = statistics.median(paired(f, s, "p99_ms"))
                gates.append(
                    (
                        f"p50 full / small data set, {conns} connection(s) <= {TARGET_SMALL_RATIO}",
                        ratio <= TARGET_SMALL_RATIO,
                        f"{ratio:.2f} ({_span(ratios)}; p99 {p99:.2f})",
                    )
                )
    else:
        gates.append(("latency full / small data set", None, "not measured (no small data set)"))

    targets: list[tuple[str, bool, str]] = []
    if single:
        targets.append(
            (
                f"p99 <= {TARGET_P99_MS:g} ms, single uncached, {c} connections",
                single.median("p99_ms") <= TARGET_P99_MS,
                f"{single.median('p99_ms'):.2f} ms",
            )
        )
    one = full.get("single, uncached@1")
    if one:
        targets.append(
            (
                f"p50 <= {TARGET_P50_1_MS:g} ms, single uncached, 1 connection",
                one.median("p50_ms") <= TARGET_P50_1_MS,
                f"{one.median('p50_ms'):.2f} ms",
            )
        )
    if batch:
        dps = batch.median("rps") * BATCH
        targets.append(
            (
                f"batch >= {TARGET_BATCH_DPS:,.0f} decisions/s",
                dps >= TARGET_BATCH_DPS,
                f"{dps:,.0f}",
            )
        )
    if b:
        targets.append(
            (
                f"baseline near the reference {REFERENCE_BASELINE_RPS:,.0f} req/s (plain view)",
                b.median("rps") >= 0.8 * REFERENCE_BASELINE_RPS,
                f"{b.median('rps'):,.0f} req/s",
            )
        )

    print("\nGates (exit status):")
    failed = False
    for label, ok, detail in gates:
        mark = "skip" if ok is None else "PASS" if ok else "FAIL"
        failed |= ok is False
        print(f"  {mark}  {label}: {detail}")
    print("Absolute targets (reported, not gated; they depend on the machine):")
    for label, ok, detail in targets:
        print(f"  {'met ' if ok else 'MISS'}  {label}: {detail}")
    for label, measures, prepared in (("full", full, prep), ("small", small or {}, small_prep)):
        for m in measures.values():
            size = (prepared or {}).get("batches" if m.per_request > 1 else "pool", 0)
            if "uncached" in m.name and size and max(r.requests for r in m.runs) > size:
                print(
                    f"WARNING: {m.name} ({label}, {m.connections} conn.) sent more requests than "
                    f"the pool holds ({size:,}): some answers came from the cache."
                )
    unstable = [m for m in full.values() if m.unstable or m.disturbed] + [
        m for m in (small or {}).values() if m.unstable or m.disturbed
    ]
    if unstable:
        print(
            f"WARNING: spread above {SPREAD_LIMIT:.0%} in "
            + ", ".join(f"{m.name} ({m.connections} conn.)" for m in unstable)
            + " (or other processes busy during a run): repeat before trusting these figures."
        )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "figures": figures,
                    "gates": gates,
                    "targets": targets,
                    "info": info,
                    "in_process": {k: v for k, v in prep.items() if k != "key"},
                    "small_in_process": (
                        {k: v for k, v in small_prep.items() if k != "key"} if small_prep else None
                    ),
                },
                indent=1,
            )
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
