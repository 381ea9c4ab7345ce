"""The scale-out test: the whole portal on this machine, as deploy/ describes it, driven over
real HTTPS through nginx. Run by ``make stack-test`` (scripts/stack-test); exit status 0 when
every step passed.

    python -m tests.operations.stack_test [--keep] [--work DIR]

Starts (tests/operations/stack.py) nginx with a certificate made for the run, two gunicorn app
servers on free ports, the Celery worker and beat, against the real PostgreSQL (database
csam_stack, created, migrated and dropped) and Redis (database 14, emptied before and after).
Then, through nginx:

1. health and readiness, on nginx and on each app server;
2. the worker fetches the eID revocation lists into Redis (a task sent through the broker);
3. Alice logs in with her password and a one-time code (level substantial);
4. a certificate header sent by the browser itself is not passed on by nginx;
5. Alice logs in with her eID card: nginx asks for the client certificate, checks it against
   the eID CAs and passes it on; the portal checks it again (level high);
6. acting for her company, she grants Clara a role through the API (an access manager's act
   needs level high, which the card gave): the least artificial way to a grant;
7. an e-government service's decision, denied before the grant and allowed after it, whichever
   app server answers;
8. the notification task sent by the grant ran in the worker with the request's id in its log
   lines; beat's heartbeat reached a worker;
9. metrics: each app server's /metrics adds up its workers; nginx never serves /metrics;
10. logs: JSON lines, with request ids, and no national register number anywhere (the app
    servers, the worker, beat and nginx's access log);
11. /readyz answers 503 naming PostgreSQL, then Redis, while the relay to it is cut, and 200
    once it is back;
12. one app server stopped: every request still succeeds through the other.

Everything is stopped at the end, also after a failure (the logs' last lines are printed then).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.operations.stack import (
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    Browser,
    Stack,
    StackError,
    escaped_certificate,
    http_request,
    totp,
    wait_for,
)

ALICE = "85071412429"
CLARA = "03022824687"
BRASSERIE = "0403019261"
# Every way a national number may be written (the log check looks for each).
NUMBER_FORMS = [
    ALICE,
    CLARA,
    "85.07.14-124.29",
    "03.02.28-246.87",
    "850714-124-29",
    "030228-246-87",
]


class Journey:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.passed: list[str] = []
        self.decisions_sent = 0

    def step(self, title: str) -> None:
        print(f"\n== {title}", flush=True)

    def ok(self, what: str) -> None:
        self.passed.append(what)
        print(f"   ok: {what}", flush=True)

    def check(self, condition: bool, what: str, detail: Any = "") -> None:
        if not condition:
            raise StackError(f"FAILED: {what}" + (f" ({detail})" if detail != "" else ""))
        self.ok(what)

    # --- helpers

    def metrics(self, server_index: int) -> dict[tuple[str, tuple], float]:
        server = self.stack.servers[server_index]
        status, _headers, body = http_request("GET", f"{server.base}/metrics")
        if status != 200:
            raise StackError(f"/metrics on app server {server_index + 1} answered {status}")
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(body.decode())
            for sample in family.samples
        }

    @staticmethod
    def value(samples: dict, name: str, **labels: str) -> float:
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    def task_count(self, task: str, state: str = "SUCCESS") -> float:
        return self.value(self.metrics(0), "csam_celery_tasks_total", task=task, state=state)

    def issue_key(self) -> str:
        code = (
            "from companies.models import Service\n"
            "from companies.services import service_client_create\n"
            "service = Service.objects.get(code='vat')\n"
            "_client, key = service_client_create(name='stack test', organisation=service.owner,"
            " services=[service], actor_label='stack test')\n"
            "print(key)\n"
        )
        return self.stack._manage("shell", "-c", code).strip().splitlines()[-1]

    def decide(self, key: str, subject: str, request_id: str | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        if request_id:
            headers["X-Request-ID"] = request_id
        body = {
            "subject": subject,
            "on_behalf_of": {"kind": "company", "number": BRASSERIE},
            "service": "vat",
            "role": "vat-declarant",
            "assurance": "substantial",
        }
        status, _headers, data = http_request(
            "POST",
            self.stack.base + "/api/v1/decisions/",
            body=json.dumps(body).encode(),
            headers=headers,
            context=self.stack.client_context(),
        )
        self.decisions_sent += 1
        if status != 200:
            raise StackError(f"decision answered {status}: {data[:300]!r}")
        return json.loads(data)

    # --- the journey

    def run(self) -> None:
        stack = self.stack
        eid = stack.eid
        assert eid is not None

        self.step("1. Health and readiness")
        status, headers, body = stack.https_get("/healthz")
        self.check(status == 200 and json.loads(body) == {"status": "ok"}, "GET /healthz via nginx")
        self.check(len(headers.get("x-request-id", "")) == 32, "nginx's request id is returned")
        status, _headers, body = stack.https_get("/readyz")
        self.check(status == 200, "GET /readyz via nginx", body)
        for index, server in enumerate(stack.servers):
            status, _h, body = http_request("GET", f"{server.base}/readyz")
            checks = json.loads(body)["checks"]
            self.check(
                status == 200 and set(checks.values()) == {"ok"},
                f"app server {index + 1}: /readyz {checks}",
            )
        status, headers, _body = http_request("GET", f"http://127.0.0.1:{stack.http_port}/about/")
        self.check(
            status == 301 and headers["location"].startswith("https://"),
            "plain HTTP is redirected to HTTPS",
        )
        static = next((stack.work / "static").rglob("*.css"))
        status, _h, body = stack.https_get(
            "/static/" + str(static.relative_to(stack.work / "static"))
        )
        # With DEBUG off the portal serves no static files: this answer is nginx's.
        self.check(status == 200 and body == static.read_bytes(), "nginx serves static files")

        self.step("2. The worker fetches the eID revocation lists (task through the broker)")
        stack._manage(
            "shell",
            "-c",
            "from identity.tasks import eid_crls_refresh_task; eid_crls_refresh_task.delay()",
        )
        wait_for(
            "the CRL task",
            lambda: self.task_count("identity.tasks.eid_crls_refresh") >= 1,
            60,
        )
        self.ok("identity.tasks.eid_crls_refresh ran in the worker (csam_celery_tasks_total)")

        self.step("3. Log-in: password, then a one-time code (level substantial)")
        browser = Browser(stack)
        status, _h, page, _path = browser.request("GET", "/accounts/login/")
        self.check(status == 200 and b"csrfmiddlewaretoken" in page, "log-in page")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        status, _h, page, path = browser.request(
            "POST",
            "/accounts/login/",
            form={"username": "alice", "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
        )
        self.check(
            status == 200 and path.startswith("/accounts/step-up/"), "asked for a code", path
        )
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        form = {"code": totp(DEMO_TOTP_SECRET), "csrfmiddlewaretoken": token}
        for name in ("next", "level"):
            found = re.search(rf'name="{name}" value="([^"]*)"'.encode(), page)
            if found:
                form[name] = found.group(1).decode()
        status, _h, _page, path = browser.request("POST", path, form=form)
        self.check(status == 200, "one-time code accepted", path)
        status, _h, body, _path = browser.request("GET", "/api/v1/me/")
        me = json.loads(body)
        self.check(
            me["username"] == "alice" and me["assurance"]["level"] == "substantial",
            "logged in as alice at level substantial",
            me.get("assurance"),
        )

        self.step("4. A certificate header from the browser itself is never passed on")
        status, _h, _body, _path = browser.request(
            "GET",
            "/accounts/login/eid-certificate/",
            headers={"X-SSL-Client-Cert": escaped_certificate(eid.card_certificate)},
            follow=False,
        )
        self.check(status == 401, "forged header without a card: refused (401)", status)
        _s, _h, body, _p = browser.request("GET", "/api/v1/me/")
        self.check(json.loads(body)["assurance"]["level"] == "substantial", "still substantial")

        self.step("5. Log-in with the eID card (client certificate through nginx): level high")
        card = browser.with_card(eid.card_certificate, eid.card_key)
        status, _h, _body, path = card.request("GET", "/accounts/login/eid-certificate/?next=/")
        self.check(status == 200 and path == "/", "nginx passed the card's certificate", path)
        _s, _h, body, _p = browser.request("GET", "/api/v1/me/")
        me = json.loads(body)
        self.check(
            me["username"] == "alice" and me["assurance"]["level"] == "high",
            "logged in as alice at level high",
            me.get("assurance"),
        )

        self.step("6. A grant, through the API, by the company's main access manager")
        key = self.issue_key()
        before = self.decide(key, CLARA)
        self.check(before["decision"] == "deny", "decision before the grant: deny", before)
        status, _h, body, _p = browser.request(
            "POST", "/api/v1/acting/", json_body={"company": BRASSERIE}
        )
        self.check(status == 200, "acting for Brasserie Demo", body[:200])
        grant_request_id = f"stack-grant-{int(time.time())}"
        status, headers, body, _p = browser.request(
            "POST",
            "/api/v1/company/grants/",
            json_body={"national_number": CLARA, "service": "vat", "role": "vat-declarant"},
            headers={"X-Request-ID": grant_request_id},
        )
        self.check(status == 201, "grant created (201)", body[:300])
        grant = json.loads(body)
        self.check(headers.get("x-request-id") == grant_request_id, "the request id came back")

        import psycopg

        with psycopg.connect(self.stack.direct_env["DATABASE_URL"], autocommit=True) as conn:
            try:
                conn.execute("UPDATE audit_auditevent SET action = action WHERE false")
            except psycopg.errors.InsufficientPrivilege:
                refused = True
            else:
                refused = False
        self.check(refused, "the portal's database role may not change the audit log")

        self.step("7. Decisions through nginx, on either app server")
        for attempt in range(6):
            answer = self.decide(key, CLARA, request_id=f"stack-decision-{attempt:04d}")
            if answer["decision"] != "allow":
                raise StackError(f"decision after the grant: {answer}")
        self.check(
            answer["path"][0]["kind"] == "grant" and answer["path"][0]["id"] == grant["id"],
            "decision after the grant: allow, through the new grant (6 times)",
        )
        status, _h, body = http_request(
            "GET",
            f"{stack.base}/api/v1/persons/{CLARA}/attributes/?claims=age_over_18",
            headers={"Authorization": f"Bearer {key}", "X-Request-ID": "stack-attributes-0001"},
            context=stack.client_context(),
        )
        self.check(status == 200, "attributes of a person named by number in the URL", body[:200])

        self.step("8. Celery: the grant's notification and beat's heartbeat")
        wait_for(
            "the grant's notification task",
            lambda: self.task_count("companies.tasks.grant_notify") >= 1,
            60,
        )
        self.ok("companies.tasks.grant_notify ran in the worker")
        worker_lines = self.json_lines(stack.process("celery-worker").log)
        carried = [
            line
            for line in worker_lines
            if line.get("task_name") == "companies.tasks.grant_notify"
            and line.get("request_id") == grant_request_id
        ]
        self.check(bool(carried), "the task's log lines carry the grant request's id")
        beat = wait_for(
            "a heartbeat",
            lambda: self.value(self.metrics(1), "csam_celery_heartbeat_timestamp_seconds"),
            30,
        )
        self.check(time.time() - beat < 20, "beat's heartbeat ran in a worker lately", beat)

        self.step("9. Metrics")
        totals = [self.metrics(i) for i in range(len(stack.servers))]
        answered = sum(
            self.value(
                t, "csam_http_requests_total", view="api:decisions", method="POST", status="200"
            )
            for t in totals
        )
        self.check(
            answered == self.decisions_sent,
            f"decision requests counted over both servers and their workers: {answered:g}",
            self.decisions_sent,
        )
        allowed = sum(
            self.value(t, "csam_decisions_total", outcome="allow", source=source)
            for t in totals
            for source in ("cache", "database")
        )
        denied = sum(
            self.value(t, "csam_decisions_total", outcome="deny", source="database") for t in totals
        )
        self.check(
            allowed >= 6 and denied >= 1,
            f"decisions by outcome: {allowed:g} allow, {denied:g} deny",
        )
        self.check(
            any(
                self.value(t, "csam_http_request_duration_seconds_count", view="api:decisions")
                for t in totals
            ),
            "request latency histogram",
        )
        status, _h, _body = stack.https_get("/metrics")
        self.check(status == 404, "nginx does not serve /metrics", status)

        self.step("10. Logs: JSON lines, request ids, no national register number")
        for server in stack.servers:
            lines = server.process.log.read_text().splitlines()
            bad = [line for line in lines if not line.startswith("{")]
            self.check(not bad, f"{server.process.name}: {len(lines)} lines, all JSON", bad[:3])
        access = self.json_lines(stack.logs / "csam-access.log")
        self.check(
            any(line["request_id"] == grant_request_id for line in access),
            "nginx's access log carries the request ids",
        )
        self.no_numbers_in_logs()

        self.step("11. /readyz while PostgreSQL, then Redis, is down, and once it is back")
        for tap, part in ((stack.database_tap, "database"), (stack.redis_tap, "redis")):
            assert tap is not None
            tap.cut()
            try:
                for index, server in enumerate(stack.servers):
                    status, _h, body = http_request("GET", f"{server.base}/readyz", timeout=20)
                    checks = json.loads(body)["checks"] if body else {}
                    self.check(
                        status == 503 and checks.get(part, "").startswith("unreachable"),
                        f"{tap.name} down: app server {index + 1} answers 503, {part}: "
                        f"{checks.get(part)}",
                        (status, body[:200]),
                    )
            finally:
                tap.restore()
            for index, server in enumerate(stack.servers):
                wait_for(
                    f"app server {index + 1} ready again",
                    lambda s=server: http_request("GET", f"{s.base}/readyz")[0] == 200,
                    20,
                )
                self.ok(f"{tap.name} back: app server {index + 1} answers 200")

        self.step("12. One app server stopped: requests still succeed through the other")
        first = stack.servers[0]
        first.process.stop()
        self.check(not first.process.running(), "app server 1 stopped")
        failures = []
        for attempt in range(20):
            status, _h, _b = stack.https_get("/healthz")
            if status != 200:
                failures.append(("healthz", status))
            answer = self.decide(key, CLARA, request_id=f"stack-failover-{attempt:04d}")
            if answer["decision"] != "allow":
                failures.append(("decision", answer["decision"]))
        _s, _h, body, _p = browser.request("GET", "/api/v1/me/")
        self.check(json.loads(body)["assurance"]["level"] == "high", "the session still holds")
        self.check(
            not failures, "20 health checks and 20 decisions through nginx: all 200", failures
        )
        access = self.json_lines(stack.logs / "csam-access.log")
        served = {
            line["upstream"].split(", ")[-1]
            for line in access
            if line["request_id"].startswith("stack-failover-")
        }
        self.check(
            served == {f"127.0.0.1:{stack.servers[1].port}"},
            "all answered by app server 2",
            served,
        )

    @staticmethod
    def json_lines(path: Path) -> list[dict[str, Any]]:
        lines = []
        for line in path.read_text().splitlines():
            if line.startswith("{"):
                try:
                    lines.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return lines

    def no_numbers_in_logs(self) -> None:
        files = [p.log for p in self.stack.processes] + [
            self.stack.logs / name for name in ("csam-access.log", "csam-error.log")
        ]
        for path in files:
            text = path.read_text(errors="replace")
            found = [form for form in NUMBER_FORMS if form in text]
            self.check(not found, f"no national register number in {path.name}", found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The scale-out test of the whole stack.")
    parser.add_argument("--work", help="a directory for the run's files (default: a new one)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the work files and the database afterwards"
    )
    parser.add_argument("--database-url", default="postgres://root@127.0.0.1:5432/csam_stack")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args(argv)

    started = time.monotonic()
    work = Path(args.work or tempfile.mkdtemp(prefix="csam-stack-"))
    work.mkdir(parents=True, exist_ok=True)
    stack = Stack(work, database_url=args.database_url, redis_url=args.redis_url, keep=args.keep)
    journey = Journey(stack)
    status = 1
    try:
        with stack:
            journey.run()
        status = 0
    except StackError as exc:
        print(f"\n{exc}", file=sys.stderr)
        stack.print_logs()
    except Exception:  # noqa: BLE001 - report it, stop everything, fail
        traceback.print_exc()
        stack.print_logs()
    finally:
        stack.stop()
        if not args.keep and status == 0:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
        elif args.keep or status:
            print(f"Work files: {work}")
    print(f"\nThe stack test took {time.monotonic() - started:.0f} s.")
    # The closing line, in the form test runners use.
    print(f"stack_test: {len(journey.passed)} passed, {1 if status else 0} failed")
    return status


if __name__ == "__main__":
    sys.exit(main())
