"""B5 — concurrent load on gunicorn over loopback (bounded runs, local only).

gunicorn (the production setup of docs/operations.md: one worker per core, ``gthread`` with 4
threads each) serves config.wsgi with ``bench.settings`` (the project's settings and URLs,
DEBUG off, plus the R and N views of bench/views.py) against the bench database. Measured on
the 2-core box (runs alternated), gthread was never slower than sync workers, and twice as
fast for O and R while the box was busy: a thread can run while another waits on the socket
or inside SQLite, which releases the GIL.
A closed-loop load generator (bench/loadgen.py, threads + http.client) runs in its own
process on the same box.

* member detail: O = GET /api/v1/members/<id> with a district admin's session; R = a raw
  cursor on a persistent connection; N = ORM ``.get()`` with a new connection per request.
* join submission: O = POST /api/v1/public/join/ (token, SMS code — codes are seeded in the
  database beforehand); R = checksum + ``INSERT … ON CONFLICT DO NOTHING``; N = a ModelForm.
* a same-ID burst: two clients submit the same ID at once (auto-approving channel), which
  must create exactly one member."""

from __future__ import annotations

import json
import os
import random
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from bench.common import ROOT, ratio

_serial = [5_000_000 + (os.getpid() % 1000) * 10_000 + int(time.time()) % 100 * 100_000]


LOG = ROOT / "var" / "bench-work" / "gunicorn.log"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


WORKERS, THREADS = 2, 4


def start_server(workers: int = WORKERS, threads: int = THREADS):
    LOG.parent.mkdir(parents=True, exist_ok=True)
    LOG.write_bytes(b"")
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--backlog",
            "2048",
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=LOG.open("ab"),
    )
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/ping", timeout=1).read()
            return proc, port
        except Exception:
            if proc.poll() is not None:
                raise RuntimeError(LOG.read_text(errors="replace")[-3000:]) from None
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("gunicorn did not start")


def load(port: int, method: str, requests: list, concurrency: int, seconds: float, headers=None):
    spec = {
        "host": "127.0.0.1",
        "port": port,
        "method": method,
        "requests": requests,
        "headers": headers or {},
        "concurrency": concurrency,
        "seconds": seconds,
    }
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "loadgen.py")],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        check=True,
    )
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["5xx"] = sum(n for code, n in out["statuses"].items() if code.startswith("5"))
    return out


def _next_serial() -> int:
    _serial[0] += 1
    return _serial[0]


def seed_codes(phones: list[str]) -> str:
    """Unused SMS join codes for these phones (the same code for all)."""
    from django.utils import timezone

    from gonghui.platform.pii.fields import index_for
    from gonghui.platform.sms.models import SMSCode
    from gonghui.platform.sms.services import _hash

    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    rows = []
    for phone in phones:
        idx = index_for("phone", phone)
        rows.append(
            SMSCode(
                phone_index=idx,
                purpose="join",
                code_hash=_hash(code, idx),
                ip="",
                created_at=now,
                expires_at=now + timedelta(hours=2),
            )
        )
    SMSCode.objects.bulk_create(rows, batch_size=5000)
    return code


def join_bodies(n: int, org_id: int, token: str | None, code: str | None, phones=None):
    from bench.data import bench_id_number
    from gonghui.platform.consent.testing import api_join_consent

    out = []
    for i in range(n):
        serial = _next_serial()
        phone = phones[i] if phones else f"18{serial % 10}{serial:08d}"[-11:]
        body = {
            "name": "基准申请人",
            "id_number": bench_id_number(serial),
            "phone": phone,
            "employer_name": "基准平台公司",
            "employment_form": "courier",
        }
        if token:
            body.update({"token": token, "sms_code": code, **api_join_consent()})
        else:
            body["org_id" if code is None else "org"] = org_id
            if code == "form":
                body["org"] = org_id
        out.append(body)
    return out


def session_cookie(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def burst(port: int, token: str, rounds: int) -> dict:
    """Two clients submit the same ID number at the same moment; count the members."""
    from gonghui.members.models import Membership, Person
    from gonghui.platform.pii.fields import index_for

    results = {"rounds": rounds, "statuses": {}, "violations": 0, "people": [], "members": []}
    phones = []
    serials = []
    for _ in range(rounds):
        serials.append(_next_serial())
        phones.append([f"17{_next_serial():09d}"[-11:] for _ in range(2)])
    code = seed_codes([p for pair in phones for p in pair])
    from bench.data import bench_id_number
    from gonghui.platform.consent.testing import api_join_consent

    consent = api_join_consent()
    for serial, pair in zip(serials, phones, strict=True):
        id_number = bench_id_number(serial)
        barrier = threading.Barrier(2)

        def submit(phone, id_number=id_number, barrier=barrier):
            body = json.dumps(
                {
                    "token": token,
                    "sms_code": code,
                    "name": "并发申请人",
                    "id_number": id_number,
                    "phone": phone,
                    "employer_name": "基准平台公司",
                    "employment_form": "courier",
                    **consent,
                }
            ).encode()
            barrier.wait()
            req = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/public/join/",
                data=body,
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            try:
                status = urllib.request.urlopen(req, timeout=30).status
            except urllib.error.HTTPError as exc:
                status = exc.code
            results["statuses"][str(status)] = results["statuses"].get(str(status), 0) + 1

        threads = [threading.Thread(target=submit, args=(p,)) for p in pair]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        idx = index_for("id_number", id_number)
        people = Person.objects.filter(id_index=idx).count()
        members = Membership.objects.filter(person__id_index=idx).count()
        results["people"].append(people)
        results["members"].append(members)
        if people != 1 or members != 1:
            results["violations"] += 1
    results["exactly_one_member_each_time"] = results["violations"] == 0
    results["5xx"] = sum(n for c, n in results["statuses"].items() if c.startswith("5"))
    return results


def run(cfg: dict) -> dict:
    from django.db import connection

    from bench.b2_list import biggest_district, district_admin
    from gonghui.accounts.models import User
    from gonghui.members.models import JoinChannel, Membership
    from gonghui.members.tokens import join_token
    from gonghui.orgs.models import Org

    seconds = cfg["b5_seconds"]
    levels = cfg["b5_concurrency"]
    district, _n = biggest_district()
    admin = district_admin(district)
    union = Org.objects.filter(path__startswith=district.path, kind="grassroots").first()
    ids = list(
        Membership.objects.filter(org__path__startswith=district.path)
        .order_by("?" if Membership.objects.count() < 50_000 else "id")
        .values_list("pk", flat=True)[:5000]
    )
    random.Random(3).shuffle(ids)
    creator = User.objects.filter(username="bench-city-admin").first()
    channels = {}
    for auto in (False, True):
        channels[auto] = JoinChannel.objects.create(
            org=union,
            label=f"bench {'auto' if auto else 'review'} {time.time_ns()}",
            token=secrets.token_urlsafe(24),
            auto_approve=auto,
            created_by=creator,
        )
    cookie = session_cookie(admin)
    # the per-second budget of join bodies: generous, unused ones are harmless
    budget = int(max(200, 1500 * seconds))
    out = {
        "server": f"gunicorn gthread, {WORKERS} workers x {THREADS} threads, 127.0.0.1",
        "conn_max_age_default": connection.settings_dict.get("CONN_MAX_AGE"),
        "seconds_per_run": seconds,
        "member_detail": {},
        "join": {},
    }
    proc, port = start_server()
    try:
        for c in levels:
            per = {}
            for label, prefix, headers in (
                ("O_api", "/api/v1/members/", {"Cookie": cookie}),
                ("R_raw_persistent", "/bench/r/member/", {}),
                ("N_orm_new_connection", "/bench/n/member/", {}),
            ):
                reqs = [[f"{prefix}{ids[i % len(ids)]}", None] for i in range(budget)]
                per[label] = load(port, "GET", reqs, c, seconds, headers)
            per["O_over_R"] = ratio(per["O_api"]["rps"], per["R_raw_persistent"]["rps"])
            per["O_over_N"] = ratio(per["O_api"]["rps"], per["N_orm_new_connection"]["rps"])
            out["member_detail"][str(c)] = per

            per = {}
            token = join_token(channels[False])
            bodies = join_bodies(budget, union.pk, token, None)
            code = seed_codes([b["phone"] for b in bodies])
            for b in bodies:
                b["sms_code"] = code
            per["O_api"] = load(
                port, "POST", [["/api/v1/public/join/", b] for b in bodies], c, seconds
            )
            per["R_raw_insert_on_conflict"] = load(
                port,
                "POST",
                [["/bench/r/join", b] for b in join_bodies(budget, union.pk, None, None)],
                c,
                seconds,
            )
            per["N_modelform"] = load(
                port,
                "POST",
                [["/bench/n/join", b] for b in join_bodies(budget, union.pk, None, "form")],
                c,
                seconds,
            )
            per["O_over_R"] = ratio(per["O_api"]["rps"], per["R_raw_insert_on_conflict"]["rps"])
            per["O_over_N"] = ratio(per["O_api"]["rps"], per["N_modelform"]["rps"])
            out["join"][str(c)] = per
        out["same_id_burst"] = burst(port, join_token(channels[True]), 3 if seconds < 1 else 10)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    log = LOG.read_text(errors="replace").splitlines()
    out["server_log_lines"] = len(log)
    out["server_log_sample"] = log[:5]
    top = str(max(levels))
    md, jn = out["member_detail"][top], out["join"][top]
    all_runs = [
        r
        for d in (out["member_detail"], out["join"])
        for per in d.values()
        for r in per.values()
        if isinstance(r, dict)
    ]
    out["total_5xx"] = sum(r["5xx"] for r in all_runs) + out["same_id_burst"]["5xx"]
    out["target_member_detail_O_over_R_ge_0_5"] = (md["O_over_R"] or 0) >= 0.5
    out["target_join_O_over_R_ge_0_35"] = (jn["O_over_R"] or 0) >= 0.35
    out["target_p99_le_300ms_at_top_concurrency"] = all(
        (md["O_api"]["p99_ms"] or 1e9) <= 300 and (jn["O_api"]["p99_ms"] or 1e9) <= 300 for _ in [0]
    )
    out["target_zero_5xx"] = out["total_5xx"] == 0
    return out
