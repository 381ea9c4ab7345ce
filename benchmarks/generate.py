"""Fill a separate PostgreSQL database with a large, valid CSAM data set for the benchmarks.

    python benchmarks/generate.py --persons 1000000 --companies 100000 \
        --grants 5000000 --mandates 500000 [--database-url postgres://root@127.0.0.1:5432/csam_bench]
    python benchmarks/generate.py --scale small        # 10,000 grants, into csam_bench_small

The database is dropped and created again, migrated with ``manage.py migrate``, then loaded with
COPY (psycopg 3 ``cursor.copy()``, rows generated lazily). Secondary indexes, unique and foreign
key constraints of the loaded tables are dropped before the load and rebuilt after it (rebuilding
them also checks the generated data), then the tables are vacuumed and analysed.

The data: valid national register and enterprise numbers (check digits as in identity/numbers.py
and companies/numbers.py); a small catalogue (4 organisations, 4 domains, 20 services, 60 roles);
companies of skewed sizes, 2% of them service providers whose collaborators hold roles "for
clients"; grants mostly current, some expired, revoked, not yet valid or replaced (history);
legal representatives; mandates person→person, company→provider and company→person in every
state, with MandateScope rows, and sub-delegation chains down to depth 2.

Deterministic for a given --seed. Only ever run against a database whose name contains "bench".
"""

from __future__ import annotations

# ruff: noqa: S311 - seeded pseudo-random numbers make test data, not secrets
# ruff: noqa: SIM905 - word lists are easier to read as one string
import argparse
import datetime as dt
import os
import random
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from psycopg import conninfo, sql

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://root@127.0.0.1:5432/csam_bench"
SMALL_URL = "postgres://root@127.0.0.1:5432/csam_bench_small"

SCALES = {
    "full": {"persons": 1_000_000, "companies": 100_000, "grants": 5_000_000, "mandates": 500_000},
    "small": {"persons": 5_000, "companies": 500, "grants": 10_000, "mandates": 4_000},
}

# Tables loaded with COPY, in load order; their indexes and constraints are rebuilt afterwards.
LOADED = [
    "identity_person",
    "companies_company",
    "companies_legalrepresentative",
    "companies_grant",
    "mandates_mandate",
    "mandates_mandatescope",
]
CATALOGUE = ["governance_organisation", "companies_domain", "companies_service", "companies_role"]

CHUNK = 20_000  # rows per write to the COPY stream

GIVEN = (
    "Jan Marie Luc Anne Pieter Sofie Tom An Koen Els Marc Inge Wim Lies Bart Nathalie Dirk "
    "Isabelle Geert Sarah Kris Elke Peter Katrien Johan Ann Filip Veerle Stefan Nele Jean "
    "Sophie Pierre Julie Michel Claire Philippe Camille Olivier Laura Thomas Emma Lucas "
    "Louise Noah Olivia Arthur Mila Hanna Jonas"
).split()
SURNAMES = (
    "Peeters Janssens Maes Jacobs Mertens Willems Claes Goossens Wouters DeSmet Dubois "
    "Lambert Dupont Martin Simon Laurent Leroy Lejeune Renard Hermans Michiels Aerts Desmet "
    "Vermeulen Pauwels Hendrickx DeBacker Stevens Vandenberghe Lemmens Smets Cools Verbeke "
    "Segers Maréchal Thys Coppens Baert Bogaert Wuyts Martens Leclercq"
).split()
MUNICIPALITIES = (
    "Antwerpen Gent Charleroi Liège Brussel Schaerbeek Anderlecht Brugge Namur Leuven Mons "
    "Aalst Mechelen LaLouvière Kortrijk Hasselt Oostende SintNiklaas Tournai Genk Seraing "
    "Roeselare Verviers Mouscron Beveren Dendermonde Beringen Turnhout Eupen Arlon"
).split()
LEGAL_FORMS = ["BV", "NV", "CommV", "CV", "VZW", "SRL", "SA", "ASBL"]
FUNCTIONS = ["director", "manager", "managing director", "chair of the board"]


def _today() -> dt.date:
    """Today where the portal is (TIME_ZONE), as the engine reads dates."""
    return dt.datetime.now(ZoneInfo("Europe/Brussels")).date()


# --- Numbers -------------------------------------------------------------------------------------


def national_number(birth: dt.date, counter: int) -> str:
    """YYMMDD SSS CC with the check digits of identity/numbers.py (2000+ births use 2 + N)."""
    base = f"{birth:%y%m%d}{counter:03d}"
    n = int(base)
    check = 97 - ((2_000_000_000 + n) % 97 if birth.year >= 2000 else n % 97)
    return f"{base}{check:02d}"


def enterprise_number(index: int) -> str:
    """Ten digits starting with 0: eight digits, then 97 - (those mod 97)."""
    base = 2_000_000 + index * 17
    return f"{base:08d}{97 - base % 97:02d}"


# --- Small helpers -------------------------------------------------------------------------------


def _coprime(n: int, candidates: tuple[int, ...]) -> int:
    for c in candidates:
        if n % c:
            return c
    raise ValueError("no coprime multiplier")


def _ts(day: dt.date, hour: int = 12) -> str:
    return f"{day.isoformat()} {hour:02d}:00:00+00"


def _n(value: object) -> str:
    return "\\N" if value is None else str(value)


def _bool(value: bool) -> str:
    return "t" if value else "f"


class Catalogue:
    """4 organisations, 4 domains, 20 services, 60 roles (3 per service)."""

    ORGANISATIONS = [
        ("fin", "FPS Finance", "federal"),
        ("onss", "National Social Security Office", "social_security"),
        ("riziv", "National Institute for Health and Disability Insurance", "social_security"),
        ("economy", "FPS Economy", "federal"),
    ]
    DOMAINS = [
        ("social-security", "Social security"),
        ("finance", "Finance"),
        ("economy", "Economy"),
        ("health", "Health"),
    ]
    ROLE_KINDS = [("consult", "low"), ("declare", "substantial"), ("manage", "high")]

    def __init__(self) -> None:
        self.organisations = [(i + 1, *o) for i, o in enumerate(self.ORGANISATIONS)]
        self.domains = [(i + 1, *d) for i, d in enumerate(self.DOMAINS)]
        self.services: list[tuple[int, str, str, int, int]] = []  # id, code, name, domain, owner
        self.roles: list[tuple[int, int, str, str, bool]] = []  # id, service, code, level, clients
        for s in range(20):
            domain = s % 4 + 1
            self.services.append(
                (s + 1, f"service-{s + 1:02d}", f"Service {s + 1}", domain, s % 4 + 1)
            )
            for k, (code, level) in enumerate(self.ROLE_KINDS):
                # "consult" may always be held for clients, "declare" in even services only.
                for_clients = k == 0 or (k == 1 and s % 2 == 0)
                self.roles.append((s * 3 + k + 1, s + 1, code, level, for_clients))
        self.role_ids = [r[0] for r in self.roles]
        self.client_role_ids = [r[0] for r in self.roles if r[4]]
        self.client_service_ids = sorted({r[1] for r in self.roles if r[4]})

    def insert(self, conn: psycopg.Connection) -> None:
        today = _today()
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO governance_organisation (id, code, name_en, name_fr, name_nl, "
                "name_de, kind, is_sponsor, is_member, member_since, created_at) "
                "VALUES (%s, %s, %s, '', '', '', %s, false, true, %s, now())",
                [
                    (i, code, name, kind, today - dt.timedelta(days=900))
                    for i, code, name, kind in self.organisations
                ],
            )
            cur.executemany(
                "INSERT INTO companies_domain (id, code, name_en, name_fr, name_nl, name_de) "
                "VALUES (%s, %s, %s, '', '', '')",
                self.domains,
            )
            cur.executemany(
                "INSERT INTO companies_service (id, code, name_en, name_fr, name_nl, name_de, "
                "is_active, domain_id, owner_id) VALUES (%s, %s, %s, '', '', '', true, %s, %s)",
                self.services,
            )
            cur.executemany(
                "INSERT INTO companies_role (id, service_id, code, name_en, name_fr, name_nl, "
                "name_de, min_assurance, for_clients_allowed) "
                "VALUES (%s, %s, %s, %s, '', '', '', %s, %s)",
                [(i, s, code, code.title(), level, fc) for i, s, code, level, fc in self.roles],
            )


# --- Row generators (lazy: each yields chunks of COPY text) ---------------------------------------


class Generator:
    def __init__(self, args: argparse.Namespace) -> None:
        self.persons = args.persons
        self.companies = args.companies
        self.grants = args.grants
        self.mandates = args.mandates
        self.seed = args.seed
        self.catalogue = Catalogue()
        self.today = _today()
        # Dates as text, by how many days ago (negative: in the future).
        self._days = {k: (self.today - dt.timedelta(days=k)) for k in range(-400, 4001)}
        self.now = _ts(self.today - dt.timedelta(days=1))
        self.b_mult = _coprime(self.persons, (104_729, 1_299_709, 15_485_863))
        self.a_mult = _coprime(self.persons, (7_919, 7_927, 7_933))

    def day(self, ago: int) -> dt.date:
        return self._days[ago]

    def is_provider(self, company: int) -> bool:
        return company % 50 == 0

    def collaborator(self, company: int, j: int) -> int:
        """The j-th collaborator of a company: distinct persons for distinct j (j < persons)."""
        return (company * self.a_mult + j * self.b_mult) % self.persons + 1

    # identity_person
    PERSON_COLUMNS = (
        "id, national_number, given_names, surname, birth_date, sex, residence_municipality, "
        "preferred_language, created_at, updated_at"
    )

    def person_rows(self) -> Iterator[str]:
        rng = random.Random(self.seed)
        start = dt.date(1940, 1, 1)
        days = (dt.date(2006, 12, 31) - start).days + 1  # all adults
        births = [start + dt.timedelta(days=d) for d in range(days)]
        texts = [(f"{b:%y%m%d}", b.year >= 2000, b.isoformat()) for b in births]
        choice = rng.choice
        languages = ["nl", "nl", "fr", "fr", "en", "de"]
        now = self.now
        out: list[str] = []
        for i in range(self.persons):
            d = i % days
            counter = i // days + 1
            if counter > 998:
                raise SystemExit("too many persons for the birth-date range")
            yymmdd, after_2000, birth_text = texts[d]
            n = int(f"{yymmdd}{counter:03d}")
            check = 97 - ((2_000_000_000 + n) % 97 if after_2000 else n % 97)
            out.append(
                f"{i + 1}\t{yymmdd}{counter:03d}{check:02d}\t{choice(GIVEN)}\t{choice(SURNAMES)}"
                f"\t{birth_text}\t{'M' if counter % 2 else 'F'}\t{choice(MUNICIPALITIES)}"
                f"\t{choice(languages)}\t{now}\t{now}\n"
            )
            if len(out) >= CHUNK:
                yield "".join(out)
                out.clear()
        if out:
            yield "".join(out)

    # companies_company
    COMPANY_COLUMNS = "id, enterprise_number, name, legal_form, status, stopped_on, created_at"

    def company_rows(self) -> Iterator[str]:
        rng = random.Random(self.seed + 1)
        rnd, choice = rng.random, rng.choice
        now = self.now
        out: list[str] = []
        for c in range(1, self.companies + 1):
            # 1% stopped; providers never.
            stopped = not self.is_provider(c) and rnd() < 0.01
            stopped_on = self.day(rng.randrange(1, 2000)).isoformat() if stopped else "\\N"
            kind = "Accounting" if self.is_provider(c) else "Company"
            out.append(
                f"{c}\t{enterprise_number(c)}\t{kind} {c}\t{choice(LEGAL_FORMS)}"
                f"\t{'stopped' if stopped else 'active'}\t{stopped_on}\t{now}\n"
            )
            if len(out) >= CHUNK:
                yield "".join(out)
                out.clear()
        if out:
            yield "".join(out)

    # companies_legalrepresentative
    REPRESENTATIVE_COLUMNS = (
        "id, valid_from, valid_until, ended_at, function, company_id, person_id, end_reason"
    )

    def representative_rows(self) -> Iterator[str]:
        rng = random.Random(self.seed + 2)
        rnd, randrange, choice = rng.random, rng.randrange, rng.choice
        out: list[str] = []
        rid = 0
        for c in range(1, self.companies + 1):
            u = rnd()
            count = 1 if u < 0.7 else 2 if u < 0.95 else 3
            for j in range(count):
                rid += 1
                person = (c * self.b_mult + (j + 1) * self.a_mult) % self.persons + 1
                start = randrange(30, 4000)
                if rnd() < 0.05:  # no longer a representative
                    end = randrange(1, start)
                    until, ended_at, reason = (
                        self.day(end).isoformat(),
                        _ts(self.day(end)),
                        "revoked",
                    )
                else:
                    until, ended_at, reason = "\\N", "\\N", ""
                out.append(
                    f"{rid}\t{self.day(start).isoformat()}\t{until}\t{ended_at}\t{choice(FUNCTIONS)}"
                    f"\t{c}\t{person}\t{reason}\n"
                )
            if len(out) >= CHUNK:
                yield "".join(out)
                out.clear()
        if out:
            yield "".join(out)

    # companies_grant
    GRANT_COLUMNS = (
        "id, valid_from, valid_until, ended_at, for_clients, granted_at, company_id, "
        "ended_by_id, granted_by_id, person_id, role_id, end_reason"
    )

    def grant_rows(self) -> Iterator[str]:
        """Companies of three sizes (1% large, 10% medium); each collaborator holds 1-4 roles.
        Providers' collaborators mostly hold "for clients" roles. Rows per role: current (85%),
        expired, revoked, not yet valid, or current plus an older replaced grant."""
        rng = random.Random(self.seed + 3)
        rnd, randrange, sample = rng.random, rng.randrange, rng.sample
        C, target = self.companies, self.grants
        weights = [0.0] + [
            40.0 if c % 100 == 1 else 6.0 if c % 10 == 2 else 1.0 for c in range(1, C + 1)
        ]
        rows_per_collaborator = 2.25 * 1.03
        base = target / rows_per_collaborator / sum(weights)
        next_j = [0] * (C + 1)
        roles, client_roles = self.catalogue.role_ids, self.catalogue.client_role_ids
        day = self.day
        gid = 0
        out: list[str] = []

        def row(c: int, p: int, role: int, clients: bool, manager: int) -> None:
            nonlocal gid
            gid += 1
            fc = "t" if clients else "f"
            u = rnd()
            if u < 0.85 or u >= 0.97:
                start = randrange(0, 3000)
                until = day(-randrange(30, 400)).isoformat() if rnd() < 0.15 else "\\N"
                out.append(
                    f"{gid}\t{day(start).isoformat()}\t{until}\t\\N\t{fc}\t{_ts(day(start + 1))}"
                    f"\t{c}\t\\N\t{manager}\t{p}\t{role}\t\n"
                )
                if u >= 0.97 and gid < target:  # an older grant it replaced
                    gid += 1
                    old = start + randrange(30, 900)
                    out.append(
                        f"{gid}\t{day(old).isoformat()}\t\\N\t{_ts(day(start))}\t{fc}"
                        f"\t{_ts(day(old + 1))}\t{c}\t{manager}\t{manager}\t{p}\t{role}\treplaced\n"
                    )
            elif u < 0.90:  # expired
                start = randrange(400, 3000)
                end = randrange(1, start - 30)
                out.append(
                    f"{gid}\t{day(start).isoformat()}\t{day(end).isoformat()}"
                    f"\t{_ts(day(end - 1), 0)}\t{fc}\t{_ts(day(start + 1))}\t{c}\t\\N"
                    f"\t{manager}\t{p}\t{role}\texpired\n"
                )
            elif u < 0.95:  # revoked
                start = randrange(100, 3000)
                end = randrange(1, start)
                out.append(
                    f"{gid}\t{day(start).isoformat()}\t\\N\t{_ts(day(end))}\t{fc}"
                    f"\t{_ts(day(start + 1))}\t{c}\t{manager}\t{manager}\t{p}\t{role}\trevoked\n"
                )
            else:  # valid from a later date
                start = -randrange(1, 60)
                out.append(
                    f"{gid}\t{day(start).isoformat()}\t\\N\t\\N\t{fc}\t{_ts(day(2))}"
                    f"\t{c}\t\\N\t{manager}\t{p}\t{role}\t\n"
                )

        while gid < target:
            for c in range(1, C + 1):
                want = weights[c] * base
                count = int(want) + (1 if rnd() < want - int(want) else 0)
                manager = self.collaborator(c, 0)
                provider = self.is_provider(c)
                for _ in range(count):
                    j = next_j[c]
                    next_j[c] = j + 1
                    if j >= self.persons:
                        break
                    p = self.collaborator(c, j)
                    u = rnd()
                    k = 1 if u < 0.3 else 2 if u < 0.6 else 3 if u < 0.85 else 4
                    clients = provider and rnd() < 0.6
                    pool = client_roles if clients else roles
                    for role in sample(pool, min(k, len(pool))):
                        if gid >= target:
                            break
                        row(c, p, role, clients, manager)
                    if gid >= target:
                        break
                if len(out) >= CHUNK:
                    yield "".join(out)
                    out.clear()
                if gid >= target:
                    break
        if out:
            yield "".join(out)

    # mandates_mandate and mandates_mandatescope, written side by side
    MANDATE_COLUMNS = (
        "id, valid_from, valid_until, state, initiated_by, allows_subdelegation, max_depth, depth, "
        "proposed_at, accepted_at, refused_at, ended_at, reminded_at, decided_by_id, ended_by_id, "
        "mandatary_company_id, mandatary_person_id, mandator_company_id, mandator_person_id, "
        "parent_id, proposed_by_id, root_mandator_company_id, root_mandator_person_id"
    )
    SCOPE_COLUMNS = "id, domain_id, mandate_id, role_id, service_id"

    def mandate_rows(self) -> Iterator[tuple[str, str]]:
        """Roots: person→person (45%), company→provider (40%), company→person (15%). A quarter
        of accepted roots allow sub-delegation; 40% of those have a child, 30% of the children
        a grandchild (depth 2). Children narrow the parent's scope to its first item."""
        rng = random.Random(self.seed + 4)
        rnd, randrange, choice = rng.random, rng.randrange, rng.choice
        P, C, target = self.persons, self.companies, self.mandates
        providers = max(1, C // 50)
        cat = self.catalogue
        day = self.day
        mid = 0
        sid = 0
        mout: list[str] = []
        sout: list[str] = []

        def party_person() -> int:
            return randrange(1, P + 1)

        def party_company() -> int:
            while True:
                c = randrange(1, C + 1)
                if not self.is_provider(c):
                    return c

        def party_provider() -> int:
            return randrange(1, providers + 1) * 50 if C >= 50 else 1

        def scope_items(for_clients: bool) -> list[tuple[str, int]]:
            items = []
            for _ in range(1 if rnd() < 0.6 else 2 if rnd() < 0.8 else 3):
                u = rnd()
                if u < 0.5:
                    items.append(
                        ("role", choice(cat.client_role_ids if for_clients else cat.role_ids))
                    )
                elif u < 0.85:
                    items.append(
                        (
                            "service",
                            choice(cat.client_service_ids)
                            if for_clients
                            else randrange(1, len(cat.services) + 1),
                        )
                    )
                else:
                    items.append(("domain", randrange(1, len(cat.domains) + 1)))
            return items

        def emit(
            mandator: tuple[str, int],
            mandatary: tuple[str, int],
            items: list[tuple[str, int]],
            parent: tuple[int, int, int, str, tuple[str, int]] | None,
            depth: int,
            sub: bool,
        ) -> tuple[int, int, int, str, tuple[str, int]]:
            """Write one mandate and its scope; returns (id, valid_from ago, until ago, state,
            the chain's root mandator)."""
            nonlocal mid, sid
            mid += 1
            u = rnd()
            state = (
                "accepted"
                if u < 0.85
                else "proposed"
                if u < 0.88
                else "refused"
                if u < 0.91
                else "revoked"
                if u < 0.96
                else "expired"
            )
            if parent is not None:
                start, until = parent[1], parent[2]
            else:
                start = randrange(3, 1500)
                v = rnd()
                until = None if v < 0.5 else -randrange(30, 400)
            if state == "expired":
                until = randrange(1, max(2, start - 1))
            elif state == "proposed" and parent is None and rnd() < 0.5:
                start = -randrange(1, 30)
                until = None
            proposer = mandator[1] if mandator[0] == "p" else party_person()
            proposed_at = _ts(day(max(start, 0) + 2), 10)
            accepted_at = refused_at = ended_at = "\\N"
            decided = "\\N"
            if state in ("accepted", "revoked", "expired"):
                accepted_at = _ts(day(start + 1), 10)
                decided = str(mandatary[1] if mandatary[0] == "p" else party_person())
            if state == "refused":
                refused_at = _ts(day(start + 1), 10)
                decided = str(mandatary[1] if mandatary[0] == "p" else party_person())
            ended_by = "\\N"
            if state == "revoked":
                ended = randrange(0, start) if start > 0 else 0
                ended_at = _ts(day(ended), 0)
                ended_by = str(proposer)
            elif state == "expired":
                ended_at = _ts(day(until - 1), 0)
            max_depth = 2 - depth if sub else 0
            until_text = day(until).isoformat() if until is not None else "\\N"
            to_company = mandatary[1] if mandatary[0] == "c" else None
            to_person = mandatary[1] if mandatary[0] == "p" else None
            from_company = mandator[1] if mandator[0] == "c" else None
            from_person = mandator[1] if mandator[0] == "p" else None
            root = parent[4] if parent is not None else mandator
            root_company = root[1] if root[0] == "c" else None
            root_person = root[1] if root[0] == "p" else None
            mout.append(
                f"{mid}\t{day(start).isoformat()}\t{until_text}\t{state}\tmandator"
                f"\t{_bool(sub)}\t{max_depth}\t{depth}\t{proposed_at}\t{accepted_at}\t{refused_at}"
                f"\t{ended_at}\t\\N\t{decided}\t{ended_by}\t{_n(to_company)}\t{_n(to_person)}"
                f"\t{_n(from_company)}\t{_n(from_person)}\t{_n(parent[0] if parent else None)}"
                f"\t{proposer}\t{_n(root_company)}\t{_n(root_person)}\n"
            )
            for kind, ref in items:
                sid += 1
                d, r, s = ("\\N", "\\N", "\\N")
                if kind == "domain":
                    d = str(ref)
                elif kind == "role":
                    r = str(ref)
                else:
                    s = str(ref)
                sout.append(f"{sid}\t{d}\t{mid}\t{r}\t{s}\n")
            return (mid, start, until, state, root)

        while mid < target:
            u = rnd()
            if u < 0.45:
                mandator, mandatary, clients = ("p", party_person()), ("p", party_person()), False
            elif u < 0.85:
                mandator, mandatary, clients = ("c", party_company()), ("c", party_provider()), True
            else:
                mandator, mandatary, clients = ("c", party_company()), ("p", party_person()), False
            if mandator == mandatary:
                continue
            items = scope_items(clients)
            sub = rnd() < 0.25
            root = emit(mandator, mandatary, items, None, 0, sub)
            if sub and root[3] == "accepted" and mid < target and rnd() < 0.4:
                # The mandatary passes the first scope item on to someone else.
                if mandatary[0] == "c" and rnd() < 0.5:
                    nxt = ("c", party_provider())
                else:
                    nxt = ("p", party_person())
                if nxt != mandatary:
                    deeper = rnd() < 0.3
                    child = emit(mandatary, nxt, items[:1], root, 1, deeper)
                    if deeper and child[3] == "accepted" and mid < target:
                        last = ("p", party_person())
                        if last != nxt:
                            emit(nxt, last, items[:1], child, 2, False)
            if len(mout) >= CHUNK:
                yield "".join(mout), "".join(sout)
                mout.clear()
                sout.clear()
        if mout:
            yield "".join(mout), "".join(sout)


# --- Database work -------------------------------------------------------------------------------


def _admin_url(url: str) -> tuple[str, str]:
    params = conninfo.conninfo_to_dict(url)
    name = str(params.get("dbname") or "")
    params["dbname"] = "postgres"
    return conninfo.make_conninfo(**params), name


def recreate_database(url: str, force: bool) -> None:
    admin, name = _admin_url(url)
    if "bench" not in name and not force:
        raise SystemExit(f"Refusing to drop {name!r}: its name does not contain 'bench' (--force).")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def migrate(url: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECURE": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
    }
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=PROJECT,
        env=env,
        check=True,
    )


def drop_indexes(conn: psycopg.Connection) -> list[str]:
    """Drop foreign keys (of and to the loaded tables: TRUNCATE refuses a referenced table),
    unique constraints and secondary indexes of the loaded tables; return
    the statements that recreate them (indexes, then unique constraints, then foreign keys)."""
    tables = LOADED
    cons = conn.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE c.contype IN ('f', 'u')
          AND (c.conrelid = ANY(%s::regclass[])
               OR (c.contype = 'f' AND c.confrelid = ANY(%s::regclass[])))
        ORDER BY c.contype
        """,
        (tables, tables),
    ).fetchall()
    idx = conn.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        (tables,),
    ).fetchall()
    recreate_idx = [definition for _name, definition in idx]
    recreate_unique = []
    recreate_fk = []
    for table, name, kind, definition in cons:  # foreign keys first ('f' > 'u')
        conn.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.Identifier(table), sql.Identifier(name)
            )
        )
        stmt = f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
        (recreate_fk if kind == "f" else recreate_unique).append(stmt)
    for name, _definition in idx:
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    return recreate_idx + recreate_unique + recreate_fk


def copy_table(url: str, table: str, columns: str, chunks: Callable[[], Iterator[str]]) -> int:
    """TRUNCATE and COPY ... FREEZE in one transaction: the rows arrive frozen and all-visible."""
    rows = 0
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(table)))
        statement = f"COPY {table} ({columns}) FROM STDIN WITH (FREEZE)"
        with cur.copy(statement) as copy:  # type: ignore[arg-type]
            for chunk in chunks():
                copy.write(chunk)
                rows += chunk.count("\n")
    return rows


def copy_mandates(url: str, gen: Generator) -> tuple[int, int]:
    """Mandates and their scope rows, generated together and streamed on two connections."""
    mandates = scopes = 0
    with (
        psycopg.connect(url) as c1,
        psycopg.connect(url) as c2,
        c1.cursor() as k1,
        c2.cursor() as k2,
    ):
        k1.execute("TRUNCATE mandates_mandate")
        k2.execute("TRUNCATE mandates_mandatescope")
        with (
            k1.copy(
                f"COPY mandates_mandate ({gen.MANDATE_COLUMNS}) FROM STDIN WITH (FREEZE)"  # type: ignore[arg-type]
            ) as m,
            k2.copy(
                f"COPY mandates_mandatescope ({gen.SCOPE_COLUMNS}) FROM STDIN WITH (FREEZE)"  # type: ignore[arg-type]
            ) as s,
        ):
            for mchunk, schunk in gen.mandate_rows():
                m.write(mchunk)
                s.write(schunk)
                mandates += mchunk.count("\n")
                scopes += schunk.count("\n")
    return mandates, scopes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--persons", type=int)
    parser.add_argument("--companies", type=int)
    parser.add_argument("--grants", type=int)
    parser.add_argument("--mandates", type=int)
    parser.add_argument("--database-url", help=f"default {DEFAULT_URL} ({SMALL_URL} when small)")
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--force", action="store_true", help="allow a name without 'bench'")
    args = parser.parse_args(argv)
    for key, value in SCALES[args.scale].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.database_url is None:
        args.database_url = SMALL_URL if args.scale == "small" else DEFAULT_URL
    if args.companies < 50 or args.persons < 100:
        raise SystemExit("Use at least 100 persons and 50 companies.")

    started = time.monotonic()
    timings: list[tuple[str, int, float]] = []

    def step(label: str, rows: int, since: float) -> float:
        now = time.monotonic()
        timings.append((label, rows, now - since))
        rate = f"{rows / (now - since):>12,.0f} rows/s" if rows else ""
        print(f"  {label:<34} {rows:>12,} rows {now - since:>8.1f} s {rate}", flush=True)
        return now

    _admin, name = _admin_url(args.database_url)
    print(
        f"Generating into {name}: {args.persons:,} persons, {args.companies:,} companies, "
        f"{args.grants:,} grants, {args.mandates:,} mandates (seed {args.seed})",
        flush=True,
    )
    t = time.monotonic()
    recreate_database(args.database_url, args.force)
    migrate(args.database_url)
    t = step("create database and migrate", 0, t)

    gen = Generator(args)
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        gen.catalogue.insert(conn)
        recreate = drop_indexes(conn)
    t = step("catalogue; drop indexes and keys", 0, t)

    url = args.database_url
    t = step(
        "identity_person",
        copy_table(url, "identity_person", gen.PERSON_COLUMNS, gen.person_rows),
        t,
    )
    t = step(
        "companies_company",
        copy_table(url, "companies_company", gen.COMPANY_COLUMNS, gen.company_rows),
        t,
    )
    t = step(
        "companies_legalrepresentative",
        copy_table(
            url,
            "companies_legalrepresentative",
            gen.REPRESENTATIVE_COLUMNS,
            gen.representative_rows,
        ),
        t,
    )
    t = step(
        "companies_grant", copy_table(url, "companies_grant", gen.GRANT_COLUMNS, gen.grant_rows), t
    )
    mandates, scopes = copy_mandates(url, gen)
    t = step(f"mandates_mandate (+{scopes:,} scopes)", mandates, t)

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET max_parallel_maintenance_workers = 2")
        for statement in recreate:
            conn.execute(statement)  # type: ignore[arg-type]
        t = step(f"rebuild {len(recreate)} indexes and keys", 0, t)
        for table in LOADED + CATALOGUE:
            conn.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({t}, 'id'), "
                    "COALESCE((SELECT max(id) FROM {i}), 1))"
                ).format(t=sql.Literal(table), i=sql.Identifier(table))
            )
        for table in LOADED + CATALOGUE:
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
        t = step("sequences, VACUUM ANALYZE", 0, t)
        size = conn.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()
        chained = conn.execute(
            "SELECT count(*) FILTER (WHERE depth = 1), count(*) FILTER (WHERE depth = 2) "
            "FROM mandates_mandate"
        ).fetchone()
    if size is None or chained is None:
        raise SystemExit("The database vanished while loading.")
    print(
        f"Done in {time.monotonic() - started:.0f} s; database {name} is {size[0]}; "
        f"sub-delegated mandates: {chained[0]:,} at depth 1, {chained[1]:,} at depth 2.",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
