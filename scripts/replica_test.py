#!/usr/bin/env python3
"""Replica test, run by scripts/replica-test: two gateways on one PostgreSQL database. Standard library only.

"Several replicas share one database": whatever reaches which replica, Segura sees each delivery acted on once,
one change per target at a time, each grant revoked once and on time, one audit chain; and a database outage
costs refusals, never a double action. All on 127.0.0.1, in one temporary directory and one fresh database
(CREATE DATABASE on the server of SEGURA_TEST_POSTGRES_URL, dropped at the end):

  segura-simulator --port 0, seeded with inactive credentials for each phase;
  gateways A and B: `segura-gateway serve --config`, each on a free port with its own grants.instance_id, the same
  store.postgres (the password from the environment, as check-config requires) and one Standard Webhooks caller;
  started together (their schema migrations race).

  a. once        REPLICA_TEST_DELIVERIES signed enables, one credential each, every one sent to A and B at the
                 same instant (and every REPLICA_TEST_TRIPLE_EVERY-th a third time), a 409 delivery_in_flight sent
                 again unchanged until it is final. Each delivery: exactly one answer that acted (applied,
                 attempts 1), every other a replay (Idempotent-Replayed: true) of the same bytes; the simulator
                 counts exactly one call per credential, nothing else, applied_changes = deliveries.
  b. serial      REPLICA_TEST_SAME_TARGET enables and disables of ONE credential, half through each replica, sent at
                 the same instant while the simulator takes REPLICA_TEST_SAME_TARGET_LATENCY_MS per call: every
                 answer 200 with one attempt, one call each, max_concurrent_calls_per_item 1, and no call arrives
                 before the previous one was answered (call log gaps >= the latency).
  c. grants      REPLICA_TEST_GRANTS enables with a duration (PT<n>S, n in REPLICA_TEST_GRANT_MIN..MAX_SECONDS),
                 alternately through A and B; then B is SIGKILLed REPLICA_TEST_KILLS times (up 1-2.5 s, down
                 0.5-2 s) and restarted on the same port and instance id. By the simulator's call log: no disable
                 before the grant's expires_at; one applied disable per credential, all inactive; the first disable
                 within poll + REPLICA_TEST_ON_TIME_SLACK_MS of the expiry, or, for a grant due in the last
                 poll + slack before a kill (B may hold its lease), of the restart's /readyz; every grant revoked by
                 expiry (GET /v1/grants) with one grant_created and one grant_revoked record.
  d. audit       `segura-gateway audit verify --config` passes after every kill and restart (with A writing),
                 after each phase and at the end; every 2xx answer that acted, from either replica, has its
                 applied/already_in_state record in the one chain's export (same request id and delivery id).
  e. outage      signed enables, one credential each, alternately to A and B from REPLICA_TEST_OUTAGE_THREADS
                 threads; PostgreSQL is restarted mid-load (`scripts/postgres-server restart DIR --down
                 REPLICA_TEST_OUTAGE_SECONDS`: a fast shutdown cuts the gateways' sessions). A prober opens a
                 session every 50 ms; the outage is from its first refused session to its last. What is accepted,
                 and why:
                   - sent and answered inside the outage: only 503 with code store_unavailable (or
                     gateway_overloaded, the write queue full), outcome not_applied, attempts 0. The gateways
                     stay up, so a refused or broken connection or no answer within 15 s is a failure: the design
                     promises an answer, not a hang;
                   - overlapping its start or end: 200 applied, or either 503 above; a 503 store_unavailable
                     whose outcome says Segura acted (claimed before the outage, outcome not recorded) is counted;
                   - a 503 with attempts 0 must have caused no Segura call at all (checked before the re-send);
                   - /readyz of each replica answers 503 throughout the outage (from 1 s into it) and 200 again
                     after PostgreSQL is back.
                 Then every delivery is sent again to A and B at once (409s waited out until claims are stale):
                 each ends 200; a delivery answered 200 during the load is replayed and calls nobody; every
                 credential is applied exactly once and active; the only second calls are the re-acts of
                 deliveries whose outcome went unrecorded, and they answer already_in_state.

Settings (all optional but the first): SEGURA_TEST_POSTGRES_URL (postgres://USER:PW@127.0.0.1:PORT/DB?...; the
role needs CREATEDB), SEGURA_TEST_POSTGRES_DIR (the server's folder for `REPLICA_TEST_POSTGRES_SERVER restart`,
default scripts/postgres-server; without it phase e fails unless REPLICA_TEST_SKIP_OUTAGE=1); scripts/replica-test
sets both for a server of its own, since the test restarts it. REPLICA_TEST_DELIVERIES (500),
REPLICA_TEST_TRIPLE_EVERY (10), REPLICA_TEST_THREADS (16), REPLICA_TEST_SAME_TARGET (12),
REPLICA_TEST_SAME_TARGET_LATENCY_MS (250), REPLICA_TEST_GRANTS (80), REPLICA_TEST_GRANT_MIN_SECONDS (3),
REPLICA_TEST_GRANT_MAX_SECONDS (15), REPLICA_TEST_KILLS (4), REPLICA_TEST_POLL_MS (250),
REPLICA_TEST_ON_TIME_SLACK_MS (2000), REPLICA_TEST_OUTAGE_SECONDS (10: more than a statement caught on a connection the restart ended may wait, the store's 5 s operation timeout, plus the 2 s it then waits for a connection, so requests are answered inside it), REPLICA_TEST_OUTAGE_THREADS (8),
REPLICA_TEST_SKIP_OUTAGE=1 (no phase e), REPLICA_TEST_POOL (store.postgres.max_connections; the gateway's default
when unset), REPLICA_TEST_SEED (random), REPLICA_TEST_TIMEOUT_SECONDS (300), REPLICA_TEST_KEEP_DIR (copy logs,
configurations and the audit export there, and keep the database), REPLICA_TEST_BREAK=split-store (self-test: B
gets a database of its own, so every property must fail).
SEGURA_GATEWAY_BIN and SEGURA_SIMULATOR_BIN name the binaries (scripts/replica-test builds them when unset).

Signing, delivery sending and the simulator's control API come from crash_test; the processes, audit commands,
grant listing and verdicts from grant_restart_test.
"""

import glob
import json
import os
import random
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import http.client

from crash_test import KIND, TICKET_PATTERN, Signer, http_json, post_delivery, simulator_stats
from grant_restart_test import (Failure, Processes, arm_deadline, audit_command, child_environment, exit_with, free_port, http_status,
                                iso, keep_and_remove, list_grants, log_tails, now_ms, setting, signed_request, slow_disables,
                                timestamp_ms, verdicts)

CALLER = "replica-test"
OK_OUTCOMES = {"applied", "already_in_state"}
REFUSED_CODES = {"store_unavailable", "gateway_overloaded"}  # what a request may get while the database is down
PROPERTIES = ("a. once", "b. serial", "c. grants", "d. audit", "e. outage")
FIRST = {"a": 1, "b": 9001, "c": 5001, "e": 20001}  # credential ids of each phase
OUTAGE_TARGETS = 3000  # ids reserved for phase e; the load paces itself well below this
PASSWORD_VARIABLE = "REPLICA_TEST_POSTGRES_PASSWORD"
WEBHOOK_SECRET_VARIABLE = "GRANT_TEST_WEBHOOK_SECRET"  # generated by grant_restart_test.child_environment


def log(message):
    print(f"replica-test: {message}", file=sys.stderr, flush=True)


def body_for(action, target, duration=None):
    request = {"action": action, "target": {"kind": KIND, "id": target}, "ticket": TICKET_PATTERN.format(target),
               "requested_by": CALLER, "reason": "scripts/replica-test"}
    if duration:
        request["duration"] = duration
    return json.dumps(request, separators=(",", ":")).encode()


# --- PostgreSQL --------------------------------------------------------------------------------------------


class Postgres:
    """The server named by SEGURA_TEST_POSTGRES_URL, through psql (the password in PGPASSWORD, never in argv)."""

    def __init__(self, url, directory, control):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql") or not parts.hostname:
            raise Failure(f"SEGURA_TEST_POSTGRES_URL is not a postgres:// URL with a host: {parts.scheme}://…")
        self.user = urllib.parse.unquote(parts.username or "postgres")
        self.password = urllib.parse.unquote(parts.password) if parts.password else None
        self.host, self.port = parts.hostname, parts.port or 5432
        self.database = urllib.parse.unquote(parts.path.lstrip("/")) or self.user
        self.query = urllib.parse.parse_qs(parts.query)
        self.sslmode = (self.query.get("sslmode") or ["disable"])[0]
        self.directory, self.control = directory, control
        installed = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"), key=lambda path: int(path.split("/")[-3]))
        self.psql = shutil.which("psql") or (installed[-1] if installed else None)
        if not self.psql:
            raise Failure("no psql (postgresql-client) to create the test database with")

    def url(self, database):
        """The gateway's store.postgres.url for `database`: no password in it (check-config refuses one)."""
        query = urllib.parse.urlencode({k: v[0] for k, v in self.query.items()} | {"sslmode": self.sslmode})
        user = urllib.parse.quote(self.user, safe="")
        return f"postgres://{user}@{self.host}:{self.port}/{urllib.parse.quote(database, safe='')}?{query}"

    def run_sql(self, sql, database=None, timeout=30):
        conninfo = f"host={self.host} port={self.port} user={self.user} dbname={database or self.database} " \
                   f"sslmode={self.sslmode} connect_timeout=3"
        environment = dict(os.environ, PGPASSWORD=self.password or "", PGAPPNAME="replica-test")
        return subprocess.run([self.psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", sql],
                              capture_output=True, text=True, env=environment, timeout=timeout, check=False)

    def create_database(self, name):
        done = self.run_sql(f'CREATE DATABASE "{name}"')
        if done.returncode != 0:
            raise Failure(f"CREATE DATABASE {name} as {self.user} failed (the role needs CREATEDB): {done.stderr.strip()}")

    def drop_database(self, name):
        done = self.run_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if done.returncode != 0:
            log(f"DROP DATABASE {name} failed: {done.stderr.strip()}")

    def accepting(self):
        """Whether the server takes a new session now: a StartupMessage (protocol 3.0) answered with an
        authentication request ('R'), not refused, and not an error such as "the database system is shutting
        down" or "is starting up" (a fast shutdown keeps the port open while it ends the sessions)."""
        parameters = b"user\0" + self.user.encode() + b"\0database\0" + self.database.encode() + b"\0\0"
        message = struct.pack("!ii", 8 + len(parameters), 196608) + parameters
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5) as connection:
                connection.settimeout(0.5)
                connection.sendall(message)
                return connection.recv(1) == b"R"
        except OSError:
            return False

    def restart(self, down_seconds):
        """`scripts/postgres-server restart DIR --down SECONDS`: fast shutdown (open sessions are cut), SECONDS
        down, the same cluster on the same port again."""
        done = subprocess.run([self.control, "restart", self.directory, "--down", str(down_seconds)],
                              capture_output=True, text=True, timeout=120 + down_seconds, check=False)
        if done.returncode != 0:
            raise Failure(f"{self.control} restart {self.directory} failed ({done.returncode}): "
                          f"{(done.stderr or done.stdout).strip()[-300:]}")


# --- the gateways ------------------------------------------------------------------------------------------


class Replica:
    """One gateway: its name, URL, configuration file and process (a grant_restart_test.Processes of its own)."""

    def __init__(self, name, work, environment, port):
        self.name, self.port = name, port
        self.url = f"http://127.0.0.1:{port}"
        self.config = os.path.join(work, f"gateway-{name.lower()}.yaml")
        self.log_name = f"gateway-{name.lower()}.log"
        self.processes = Processes(work, environment)

    def start(self, binary):
        return self.processes.start_gateway(binary, self.config, self.url, log_name=self.log_name)

    def alive(self):
        return self.processes.gateway is not None and self.processes.gateway.poll() is None


def gateway_config(replica, store_url, password, simulator, settings):
    """The configuration, as JSON (which YAML reads as is)."""
    # A connection is waited for 2 s (the design's default is 10): requests during the outage are answered sooner.
    postgres = {"url": store_url, "connect_timeout_seconds": 2}
    if settings["pool"]:
        postgres["max_connections"] = settings["pool"]
    if password:
        postgres["password"] = f"env:{PASSWORD_VARIABLE}"
    return {
        "http": {"host": "127.0.0.1", "port": replica.port, "max_body_bytes": 65536},
        "log": {"level": "info"},
        # Claims are taken over after 9 s (more than the 6 s Segura deadline, as the gateway requires), so the
        # outage's re-send waits out a claim its outage left behind within the run.
        "store": {"postgres": postgres, "delivery_expiry_hours": 24, "stale_claim_seconds": 9},
        "segura": {
            "base_url": simulator, "client_id": "segura-gateway", "client_secret": "env:SEGURA_CLIENT_SECRET",
            "token_path": "/iso/oauth2/token", "api_prefix": "/api", "connect_timeout_seconds": 2,
            "request_timeout_seconds": 5, "deadline_seconds": 6, "max_attempts": 3, "max_connections_per_host": 32,
        },
        "grants": {"instance_id": f"replica-test-{replica.name.lower()}", "poll_interval_ms": settings["poll_ms"],
                   "revocation_concurrency": 8, "retry_initial_seconds": 1},
        "callers": {
            CALLER: {
                "scheme": "standard-webhooks",
                "secrets": [f"env:{WEBHOOK_SECRET_VARIABLE}"],
                "policy": {"actions": ["enable", "disable"], "kinds": [KIND], "ticket_pattern": "CHG[0-9]{7}",
                           "max_duration": "PT1H", "allow_permanent_enable": True},
            }
        },
    }


def send_until_final(replica, signer, delivery_id, body, deadline, timeout=20.0):
    """Sends one delivery to one replica, again (fresh signature) while it answers 409 delivery_in_flight; the
    record of the final answer, or of the connection failure."""
    record = {"delivery_id": delivery_id, "replica": replica.name, "conflicts": 0, "status": None, "error": None,
              "sent_at": now_ms()}
    if time.monotonic() >= deadline:
        record.update(error="not sent: the deadline had passed", answered_at=now_ms())
        return record
    while True:
        kind, answer = post_delivery(replica.url, signer, delivery_id, body, timeout)
        if kind == "answer" and answer["status"] == 409 and answer["error_code"] == "delivery_in_flight" \
                and time.monotonic() < deadline:
            record["conflicts"] += 1
            time.sleep(0.1)
            continue
        if kind == "answer":
            record.update(answer)
        else:
            record["error"] = answer or "connection refused"
        record["answered_at"] = now_ms()
        return record


def send_at_once(replicas, signer, delivery_id, body, deadline, timeout=20.0):
    """The same delivery to each replica in `replicas` at the same instant (a barrier); their records."""
    barrier = threading.Barrier(len(replicas))
    records = [None] * len(replicas)

    def one(index, replica):
        try:
            barrier.wait(10)
        except threading.BrokenBarrierError:
            pass
        records[index] = send_until_final(replica, signer, delivery_id, body, deadline, timeout)

    threads = [threading.Thread(target=one, args=(i, r), daemon=True) for i, r in enumerate(replicas)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return records


def in_pool(items, threads, work):
    """Runs work(item) for every item from `threads` threads; the results in the items' order. The first
    exception a work item raised is raised again here, after the others have stopped taking items."""
    items = list(items)
    results = [None] * len(items)
    errors = []
    lock = threading.Lock()
    cursor = iter(range(len(items)))

    def worker():
        while True:
            with lock:
                index = None if errors else next(cursor, None)
            if index is None:
                return
            try:
                results[index] = work(items[index])
            except Exception as error:  # noqa: BLE001 - handed to the caller's thread
                with lock:
                    errors.append(error)

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if errors:
        raise errors[0]
    return results


def calls_by_target(calls, targets):
    found = {}
    for call in calls:
        if call["kind"] == KIND and call["id"] in targets:
            found.setdefault(call["id"], []).append(call)
    return found


def reset_simulator(simulator, faults=()):
    """Drops pending faults, queues `faults`, and zeroes the counters and the call log for the next phase."""
    http_json(simulator, "DELETE", "/_simulator/faults")
    for fault in faults:
        http_json(simulator, "POST", "/_simulator/faults", fault)
    http_json(simulator, "POST", "/_simulator/stats/reset")


# --- phase a: every delivery to both replicas ------------------------------------------------------------


def phase_once(ctx):
    settings, simulator, (a, b) = ctx["settings"], ctx["simulator"], ctx["replicas"]
    # Slow enables widen the window in which the second copy finds the first in flight.
    reset_simulator(simulator, [{"fault": "latency", "latency_ms": 100, "times": 1_000_000_000, "route": "operation",
                                 "kind": KIND, "action": "enable"}])
    count, every = settings["deliveries"], settings["triple_every"]
    targets = list(range(FIRST["a"], FIRST["a"] + count))
    started = time.monotonic()
    deadline = started + 90

    def deliver(target):
        replicas = [a, b] + ([(a, b)[(target // every) % 2]] if every and target % every == 0 else [])
        delivery_id = f"msg_replica_{ctx['run']}_a_{target:05d}"
        return {"target": target, "delivery_id": delivery_id,
                "sends": send_at_once(replicas, ctx["signer"], delivery_id, body_for("enable", target), deadline)}

    deliveries = in_pool(targets, settings["threads"], deliver)
    seconds = time.monotonic() - started
    stats = simulator_stats(simulator)
    calls = http_json(simulator, path="/_simulator/calls")["calls"]
    ctx["answers"] += [s for d in deliveries for s in d["sends"]]

    violations = []

    def violate(message):
        violations.append(("a. once", message))

    acted_by = {"A": 0, "B": 0}
    replays = waited = 0
    for d in deliveries:
        acting = [s for s in d["sends"] if s["status"] == 200 and not s["replayed"]]
        waited += sum(1 for s in d["sends"] if s["conflicts"])
        for s in d["sends"]:
            if s["status"] != 200:
                violate(f"{d['delivery_id']} via {s['replica']}: "
                        f"{s['status'] if s['status'] is not None else s['error']} ({s.get('error_code')}) "
                        f"after {s['conflicts']} x 409: {s.get('body_excerpt', '')[:160]}")
        if len(acting) != 1:
            violate(f"{d['delivery_id']}: {len(acting)} answers acted (not replayed), expected exactly 1: "
                    f"{[(s['replica'], s['status'], s.get('outcome')) for s in acting]}")
            continue
        actor = acting[0]
        acted_by[actor["replica"]] += 1
        if actor.get("outcome") != "applied" or actor.get("attempts") != 1:
            violate(f"{d['delivery_id']}: acted with outcome {actor.get('outcome')}, attempts {actor.get('attempts')}")
        for s in d["sends"]:
            if s is actor or s["status"] != 200:
                continue
            replays += 1
            if (s["request_id"], s["body_sha256"]) != (actor["request_id"], actor["body_sha256"]):
                violate(f"{d['delivery_id']}: the replay via {s['replica']} is not the stored answer "
                        f"(request {s['request_id']} vs {actor['request_id']})")
    per_target = calls_by_target(calls, set(targets))
    counts = [len(per_target.get(t, [])) for t in targets]
    for target in targets:
        mine = per_target.get(target, [])
        if len(mine) != 1 or mine[0]["action"] != "enable" or not mine[0]["applied"]:
            violate(f"credential {target}: {len(mine)} Segura call(s) "
                    f"{[(c['action'], c['applied']) for c in mine]}, expected one applied enable")
    stray = len(calls) - sum(counts)
    if stray or stats["api_calls"] != count or stats["applied_changes"] != count:
        violate(f"the simulator counts api_calls {stats['api_calls']}, applied_changes {stats['applied_changes']} "
                f"({stray} calls on no delivered credential) for {count} deliveries")
    if stats["max_concurrent_calls_per_item"] > 1:
        violate(f"max_concurrent_calls_per_item {stats['max_concurrent_calls_per_item']}: a credential called twice at once")
    if not acted_by["A"] or not acted_by["B"]:
        violate(f"only one replica ever acted ({acted_by}): the race proved nothing")
    sends = sum(len(d["sends"]) for d in deliveries)
    ctx["summary"] += [
        ("a. deliveries / sends (to A and B at once)", f"{count} / {sends} in {seconds:.1f} s "
                                                       f"(every {every}th sent three times)"),
        ("   acted: via A / via B; replays; waited out 409", f"{acted_by['A']} / {acted_by['B']}; {replays}; {waited}"),
        ("   Segura calls per credential min-max; applied", f"{min(counts)}-{max(counts)}; {stats['applied_changes']}"),
    ]
    log(f"a: {count} deliveries, {sends} sends in {seconds:.1f} s; acted via A {acted_by['A']}, via B {acted_by['B']}, "
        f"{replays} replays; calls per credential {min(counts)}-{max(counts)}")
    return violations


# --- phase b: one target, both replicas --------------------------------------------------------------------


def phase_serial(ctx):
    settings, simulator, (a, b) = ctx["settings"], ctx["simulator"], ctx["replicas"]
    target, latency = FIRST["b"], settings["same_latency_ms"]
    reset_simulator(simulator, [{"fault": "latency", "latency_ms": latency, "times": 1_000_000_000, "route": "operation",
                                 "kind": KIND, "id": target}])
    count = settings["same_target"]
    started = time.monotonic()
    deadline = started + 60
    barrier = threading.Barrier(count)
    records = [None] * count

    def one(index):
        replica = (a, b)[index % 2]
        action = ("enable", "disable")[(index // 2) % 2]
        delivery_id = f"msg_replica_{ctx['run']}_b_{index:03d}"
        try:
            barrier.wait(10)
        except threading.BrokenBarrierError:
            pass
        records[index] = dict(send_until_final(replica, ctx["signer"], delivery_id, body_for(action, target), deadline),
                              action=action)

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    stats = simulator_stats(simulator)
    calls = sorted(calls_by_target(http_json(simulator, path="/_simulator/calls")["calls"], {target}).get(target, []),
                   key=lambda c: c["at_ms"])
    ctx["answers"] += records

    violations = []

    def violate(message):
        violations.append(("b. serial", message))

    for r in records:
        if r["status"] != 200 or r.get("outcome") not in OK_OUTCOMES or r.get("attempts") != 1:
            violate(f"{r['action']} via {r['replica']}: {r['status'] if r['status'] is not None else r['error']} "
                    f"({r.get('error_code')}), outcome {r.get('outcome')}, attempts {r.get('attempts')}")
    if len(calls) != count:
        violate(f"{len(calls)} Segura calls on credential {target} for {count} changes")
    applied_answers = sum(1 for r in records if r.get("outcome") == "applied")
    applied_calls = sum(1 for c in calls if c["applied"])
    if applied_answers != applied_calls:
        violate(f"{applied_answers} answers say applied, the simulator applied {applied_calls} calls")
    per_item = stats["max_concurrent_calls_per_item"]
    if per_item != 1:
        violate(f"max_concurrent_calls_per_item is {per_item}: two changes to credential {target} overlapped at Segura")
    gaps = [later["at_ms"] - earlier["at_ms"] for earlier, later in zip(calls, calls[1:])]
    # A call is answered `latency` ms after it arrives; the next may only arrive after that (1 ms of rounding).
    for index, gap in enumerate(gaps):
        if gap < latency - 1:
            violate(f"call {index + 2} on credential {target} arrived {gap} ms after call {index + 1}, which took "
                    f"{latency} ms: they overlapped")
    via = {name: sum(1 for r in records if r["replica"] == name and r["status"] == 200) for name in ("A", "B")}
    ctx["summary"] += [
        ("b. changes to one credential via A / B, at once", f"{via['A']} / {via['B']} in {seconds:.1f} s "
                                                            f"({latency} ms per Segura call)"),
        ("   max concurrent calls on it; min gap between calls", f"{per_item}; "
                                                                 f"{min(gaps) if gaps else 'n/a'} ms"),
    ]
    log(f"b: {count} changes to credential {target} in {seconds:.1f} s, max_concurrent_calls_per_item {per_item}, "
        f"min gap {min(gaps) if gaps else 'n/a'} ms")
    return violations


# --- phases c and d: grants while B is killed ----------------------------------------------------------------


def verify_chain(ctx, label):
    status, line = audit_command(ctx["gateway_bin"], "verify", ctx["replicas"][0].config, os.path.join(ctx["work"], "verify.out"),
                                 option="--config", environment=ctx["environment"])
    ctx["verify"].append({"label": label, "status": status, "line": line})
    log(f"audit verify {label}: {'ok' if status == 0 else f'FAILED (exit {status})'}: {line}")


def phase_grants(ctx):
    settings, simulator, (a, b), rng = ctx["settings"], ctx["simulator"], ctx["replicas"], ctx["rng"]
    targets = list(range(FIRST["c"], FIRST["c"] + settings["grants"]))
    http_json(simulator, "DELETE", "/_simulator/faults")
    latency_min, latency_max = 50, 150
    slow_disables(simulator, len(targets), latency_min, latency_max, rng)
    http_json(simulator, "POST", "/_simulator/stats/reset")
    durations = {t: rng.randint(settings["grant_min"], settings["grant_max"]) for t in targets}
    created_from = now_ms()

    def create(target):
        replica = (a, b)[target % 2]
        try:
            status, answer = signed_request(replica.url, ctx["signer"], "POST", "/v1/actions",
                                            body_for("enable", target, f"PT{durations[target]}S"))
        except (OSError, http.client.HTTPException) as error:
            raise Failure(f"creating the grant on credential {target} via {replica.name}: {error}")
        grant = answer.get("grant") if isinstance(answer, dict) else None
        if status != 200 or not grant or grant.get("state") != "active":
            raise Failure(f"creating the grant on credential {target} via {replica.name}: HTTP {status}: "
                          f"{json.dumps(answer)[:300]}")
        ctx["answers"].append({"replica": replica.name, "status": status, "replayed": False,
                               "request_id": answer.get("request_id"), "outcome": answer.get("outcome"),
                               "delivery_id": None})
        return {"target": target, "id": grant["id"], "replica": replica.name,
                "expires_at": timestamp_ms(grant["expires_at"])}

    created = in_pool(targets, 8, create)
    grants = {g["target"]: g for g in created}
    created_until = now_ms()
    last_expiry = max(g["expires_at"] for g in grants.values())
    log(f"c: {len(grants)} grants opened via A and B in {(created_until - created_from) / 1000:.1f} s, durations "
        f"{settings['grant_min']}-{settings['grant_max']} s, last expiry in {(last_expiry - created_until) / 1000:.1f} s")

    windows = []  # B's kills: killed_at, ready_at
    for number in range(1, settings["kills"] + 1):
        time.sleep(rng.uniform(1.0, 2.5))
        if not b.alive() or not a.alive():
            raise Failure(f"a gateway died on its own before kill {number}; see gateway-a.log / gateway-b.log")
        killed_at = b.processes.kill_gateway()
        time.sleep(rng.uniform(0.5, 2.0))
        ready_at = b.start(ctx["gateway_bin"])
        windows.append({"killed_at": killed_at, "ready_at": ready_at})
        log(f"c: SIGKILL {number}/{settings['kills']} of B at +{(killed_at - created_from) / 1000:.1f} s, ready again "
            f"{(ready_at - killed_at) / 1000:.1f} s later")
        verify_chain(ctx, f"after kill {number} of B")

    settle_until = max(last_expiry, windows[-1]["ready_at"] if windows else 0) + settings["poll_ms"] + settings["slack_ms"]
    time.sleep(max(0.0, settle_until / 1000 - time.time()))
    open_grants = list_grants(a.url, ctx["signer"], "open")
    while open_grants and now_ms() < settle_until + 15_000:
        time.sleep(0.5)
        open_grants = list_grants(a.url, ctx["signer"], "open")
    stored = {g["id"]: g for g in list_grants(b.url, ctx["signer"], "all")}
    calls = http_json(simulator, path="/_simulator/calls")["calls"]
    stats = simulator_stats(simulator)
    states = {t: http_json(simulator, path=f"/_simulator/objects/{KIND}/{t}").get("state") for t in targets}
    ctx["grants"] = grants
    ctx["kills"] = windows
    verify_chain(ctx, "after the grants")

    violations = []

    def violate(message):
        violations.append(("c. grants", message))

    slack = settings["poll_ms"] + settings["slack_ms"]
    per_target = calls_by_target(calls, set(targets))
    if len(calls) != sum(len(v) for v in per_target.values()):
        violate(f"Segura got {len(calls) - sum(len(v) for v in per_target.values())} call(s) no grant explains")
    early, late = [], {"both up": [], "B down": [], "due before a kill": []}
    repeated = 0
    for target, grant in sorted(grants.items()):
        mine = sorted(per_target.get(target, []), key=lambda c: c["at_ms"])
        enables = [c for c in mine if c["action"] == "enable"]
        disables = [c for c in mine if c["action"] == "disable"]
        applied = [c for c in disables if c["applied"]]
        repeated += max(0, len(disables) - 1)
        if len(enables) != 1 or not enables[0]["applied"]:
            violate(f"credential {target}: enables {[(c['at_ms'], c['applied']) for c in enables]}, expected one applied")
        if len(applied) != 1:
            violate(f"credential {target} (grant {grant['id']}): {len(applied)} applied disables, {len(disables)} calls")
        if states[target] != "inactive":
            violate(f"credential {target} is {states[target]} at the end")
        if not disables:
            continue
        first = disables[0]["at_ms"]
        if first < grant["expires_at"]:
            early.append(grant["expires_at"] - first)
            violate(f"credential {target} (grant {grant['id']}): disabled at {iso(first)}, "
                    f"{early[-1]} ms before its expiry {iso(grant['expires_at'])}")
        expiry = grant["expires_at"]
        # B may have leased a revocation that fell due shortly before it was killed: it takes its lease back
        # when it is ready again. Anything else is due to whichever scheduler is up, on time.
        held = [w for w in windows if w["killed_at"] - slack <= expiry <= w["killed_at"]]
        down = [w for w in windows if w["killed_at"] < expiry < w["ready_at"]]
        group = "due before a kill" if held else ("B down" if down else "both up")
        late[group].append(first - expiry)
        bound = max(slack, held[0]["ready_at"] + slack - expiry) if held else slack
        if first - expiry > bound:
            what = f"(B was ready again {held[0]['ready_at'] - expiry} ms after it)" if held else ""
            violate(f"credential {target} (grant {grant['id']}, {group}): first disable {first - expiry} ms after its "
                    f"expiry {what}, more than {bound} ms")
    for grant in open_grants:
        violate(f"grant {grant['id']} is still {grant['state']} (GET /v1/grants?state=open)")
    for grant in grants.values():
        row = stored.get(grant["id"])
        if row is None or row["state"] != "revoked" or row.get("ended_by") != "expiry":
            violate(f"grant {grant['id']}: {'missing' if row is None else (row['state'], row.get('ended_by'))}, "
                    f"expected revoked by expiry")
    if not late["B down"]:
        violate("no grant fell due while B was down: the failover proved nothing")
    if stats["applied_changes"] != 2 * len(targets):
        violate(f"applied_changes {stats['applied_changes']}, expected {2 * len(targets)}")

    def worst(group):
        return f"{max(late[group])}" if late[group] else "n/a"

    via = {n: sum(1 for g in grants.values() if g["replica"] == n) for n in ("A", "B")}
    applied_disables = sum(1 for t in targets for c in per_target.get(t, []) if c["action"] == "disable" and c["applied"])
    ctx["summary"] += [
        ("c. grants opened via A / B, durations; SIGKILLs of B", f"{via['A']} / {via['B']}, PT{settings['grant_min']}S"
                                                                f"-PT{settings['grant_max']}S; {len(windows)}"),
        ("   applied disables / inactive; repeated calls", f"{applied_disables} / "
                                                          f"{sum(1 for s in states.values() if s == 'inactive')}; {repeated}"),
        ("   early; ms late: both up / B down / due <kill", f"{len(early)}; {worst('both up')} / {worst('B down')} / "
                                                           f"{worst('due before a kill')} (bound {slack} after expiry, "
                                                           f"<kill: after B is back)"),
        ("   due: while both up / B down / just before a kill", f"{len(late['both up'])} / {len(late['B down'])} / "
                                                                f"{len(late['due before a kill'])}"),
    ]
    return violations


# --- phase e: PostgreSQL stopped mid-load --------------------------------------------------------------------


def phase_outage(ctx):
    settings, simulator, (a, b), postgres = ctx["settings"], ctx["simulator"], ctx["replicas"], ctx["postgres"]
    reset_simulator(simulator)
    next_target = iter(range(FIRST["e"], FIRST["e"] + OUTAGE_TARGETS))
    lock = threading.Lock()
    records, probes = [], []
    stop = threading.Event()

    def load():
        while not stop.is_set():
            with lock:
                target = next(next_target, None)
            if target is None:
                return
            replica = (a, b)[target % 2]
            delivery_id = f"msg_replica_{ctx['run']}_e_{target:05d}"
            record = {"target": target, "delivery_id": delivery_id, "replica": replica.name, "sent_at": now_ms(),
                      "status": None, "error": None}
            kind, answer = post_delivery(replica.url, ctx["signer"], delivery_id, body_for("enable", target), 15.0)
            record["answered_at"] = now_ms()
            if kind == "answer":
                record.update(answer)
            else:
                record["error"] = answer or "connection refused"
            with lock:
                records.append(record)
            stop.wait(0.1)

    def probe_readiness(replica):
        while not stop.is_set():
            sent = now_ms()
            status = http_status(f"{replica.url}/readyz", 5.0)  # more than the 2 s the store waits for a connection
            probes.append({"replica": replica.name, "sent_at": sent, "status": status, "answered_at": now_ms()})
            stop.wait(0.2)

    database_probes = []  # (wall ms, whether PostgreSQL took a new session), every 50 ms

    def probe_database():
        while not stop.is_set():
            database_probes.append((now_ms(), postgres.accepting()))
            stop.wait(0.05)

    threads = [threading.Thread(target=load, daemon=True) for _ in range(settings["outage_threads"])]
    threads += [threading.Thread(target=probe_readiness, args=(r,), daemon=True) for r in (a, b)]
    threads.append(threading.Thread(target=probe_database, daemon=True))
    for thread in threads:
        thread.start()
    outage = {}
    try:
        time.sleep(2.0)
        outage["restart_began"] = now_ms()
        ctx["postgres_restarting"] = True
        postgres.restart(settings["outage_seconds"])
        outage["restart_returned"] = now_ms()
        while not postgres.accepting():
            if now_ms() > outage["restart_returned"] + 30_000:
                raise Failure("PostgreSQL did not take sessions within 30 s of its restart")
            time.sleep(0.05)
        ctx["postgres_restarting"] = False
        time.sleep(3.0)
    finally:
        stop.set()
        for thread in threads:
            thread.join(20)
    # The outage, as the prober saw it: from its first refused session after the restart began to its last.
    refused = [at for at, accepted in database_probes if not accepted and at >= outage["restart_began"]]
    if not refused:
        raise Failure("the prober never saw PostgreSQL down during its restart")
    outage["down_from"], outage["down_until"] = refused[0], refused[-1]
    outage["back"] = min(at for at, accepted in database_probes if accepted and at > outage["down_until"])
    log(f"e: PostgreSQL refused sessions from +{(outage['down_from'] - outage['restart_began']) / 1000:.2f} s to "
        f"+{(outage['down_until'] - outage['restart_began']) / 1000:.2f} s of its restart (--down "
        f"{settings['outage_seconds']}), back at +{(outage['back'] - outage['restart_began']) / 1000:.2f} s")
    if not a.alive() or not b.alive():
        raise Failure("a gateway exited during the PostgreSQL outage; see gateway-a.log / gateway-b.log")
    before_resend = http_json(simulator, path="/_simulator/calls")["calls"]
    verify_chain(ctx, "after the PostgreSQL restart")

    # Every delivery again, to A and B at once, until final (a claim left by the outage is stale after 9 s).
    resend_started = time.monotonic()
    deadline = resend_started + 40

    def again(record):
        body = body_for("enable", record["target"])
        sends = send_at_once((a, b), ctx["signer"], record["delivery_id"], body, deadline, 10.0)
        for s in sends:  # the gateways may need a moment to reconnect: a 503 is sent again, like a 409
            while s["status"] == 503 and s.get("error_code") in REFUSED_CODES and time.monotonic() < deadline:
                s["refused_again"] = s.get("refused_again", 0) + 1
                time.sleep(0.5)
                s.update(send_until_final((a, b)[s["replica"] == "B"], ctx["signer"], record["delivery_id"], body,
                                          deadline, 10.0), refused_again=s["refused_again"])
        return sends

    records.sort(key=lambda r: r["target"])
    resent = in_pool(records, 8, again)
    resend_seconds = time.monotonic() - resend_started
    after = http_json(simulator, path="/_simulator/calls")["calls"]
    stats = simulator_stats(simulator)
    targets = {r["target"] for r in records}
    states = {t: http_json(simulator, path=f"/_simulator/objects/{KIND}/{t}").get("state") for t in sorted(targets)}
    ctx["answers"] += [r for r in records] + [s for sends in resent for s in sends]

    violations = []

    def violate(message):
        violations.append(("e. outage", message))

    calls_before = calls_by_target(before_resend, targets)
    calls_after = calls_by_target(after, targets)
    inside = lambda r: r["sent_at"] >= outage["down_from"] and r["answered_at"] <= outage["down_until"]  # noqa: E731
    counts = {"inside": 0, "inside refused": 0, "200": 0, "refused": 0, "acted unrecorded": 0, "after back": 0}
    acted_unrecorded = set()
    worst_inside_ms = 0
    for r in records:
        what = r["status"] if r["status"] is not None else r["error"]
        refused = r["status"] == 503 and r.get("error_code") in REFUSED_CODES
        made = len(calls_before.get(r["target"], []))
        if inside(r):
            counts["inside"] += 1
            worst_inside_ms = max(worst_inside_ms, r["answered_at"] - r["sent_at"])
            if refused and r.get("outcome") == "not_applied" and r.get("attempts") == 0:
                counts["inside refused"] += 1
            else:
                violate(f"{r['delivery_id']} via {r['replica']}, wholly inside the outage: {what} "
                        f"({r.get('error_code')}, outcome {r.get('outcome')}, attempts {r.get('attempts')}), "
                        f"expected 503 store_unavailable with nothing done")
        if r["status"] == 200:
            counts["200"] += 1
            if r.get("outcome") != "applied" or made != r.get("attempts"):
                violate(f"{r['delivery_id']}: 200 {r.get('outcome')} attempts {r.get('attempts')}, {made} Segura call(s)")
        elif refused and (r.get("attempts") or 0) == 0:
            counts["refused"] += 1
            if r["sent_at"] >= outage.get("back", 0):
                counts["after back"] += 1
            if made:
                violate(f"{r['delivery_id']} via {r['replica']}: answered {r['status']} {r.get('error_code')} with "
                        f"attempts 0, yet Segura got {made} call(s) for credential {r['target']}")
        elif r["status"] == 503 and r.get("error_code") == "store_unavailable" and r.get("outcome") in OK_OUTCOMES:
            counts["acted unrecorded"] += 1  # claimed before the stop, Segura called, the outcome not recorded
            acted_unrecorded.add(r["delivery_id"])
            if made != r.get("attempts"):
                violate(f"{r['delivery_id']}: 503 after acting with attempts {r.get('attempts')}, {made} Segura call(s)")
        elif not inside(r):
            violate(f"{r['delivery_id']} via {r['replica']} ({iso(r['sent_at'])}..{iso(r['answered_at'])}, outage "
                    f"{iso(outage['down_from'])}..{iso(outage['down_until'])}): {what} ({r.get('error_code')}, outcome "
                    f"{r.get('outcome')}; {made} Segura call(s) before the re-send) {r.get('body_excerpt', '')[:160]}")
    if counts["inside"] == 0:
        violate("no request was sent and answered wholly inside the outage: it proved nothing")

    replayed = reacted = conflicts = 0
    for r, sends in zip(records, resent):
        acting = [s for s in sends if s["status"] == 200 and not s["replayed"]]
        conflicts += sum(1 for s in sends if s["conflicts"])
        for s in sends:
            if s["status"] != 200:
                violate(f"re-send of {r['delivery_id']} via {s['replica']}: "
                        f"{s['status'] if s['status'] is not None else s['error']} ({s.get('error_code')}) "
                        f"after {s['conflicts']} x 409")
        replayed += sum(1 for s in sends if s["status"] == 200 and s["replayed"])
        in_resend = len(calls_after.get(r["target"], [])) - len(calls_before.get(r["target"], []))
        if r["status"] == 200:
            expected = 0
            if acting:
                violate(f"{r['delivery_id']}: answered 200 in the load, yet the re-send acted again")
        else:
            if len(acting) > 1:
                violate(f"{r['delivery_id']}: {len(acting)} re-sends acted, at most one may")
            expected = sum(s.get("attempts") or 0 for s in acting)
            reacted += bool(acting)
            if r["delivery_id"] in acted_unrecorded and acting and acting[0].get("outcome") != "already_in_state":
                violate(f"{r['delivery_id']}: Segura acted before its outcome went unrecorded, yet the re-send says "
                        f"{acting[0].get('outcome')}, not already_in_state")
        if in_resend != expected:
            violate(f"credential {r['target']}: {in_resend} Segura call(s) during the re-send of {r['delivery_id']}, "
                    f"expected {expected}")
    once = sum(1 for t in targets if sum(1 for c in calls_after.get(t, []) if c["applied"]) == 1)
    for t in sorted(targets):
        applied = sum(1 for c in calls_after.get(t, []) if c["applied"])
        if applied != 1 or states[t] != "active":
            violate(f"credential {t}: {applied} applied enables, {states[t]} at the end")
    if stats["max_concurrent_calls_per_item"] > 1:
        violate(f"max_concurrent_calls_per_item {stats['max_concurrent_calls_per_item']}")
    twice = sum(1 for t in targets if len(calls_after.get(t, [])) > 1)

    # /readyz: 503 through the outage (from 1 s into it), 200 again once PostgreSQL is back.
    ready_back, ready_slowest = {}, {}
    for name in ("A", "B"):
        mine = [p for p in probes if p["replica"] == name]
        deep = [p for p in mine if p["sent_at"] >= outage["down_from"] + 1000 and p["answered_at"] <= outage["down_until"]]
        ready_slowest[name] = max((p["answered_at"] - p["sent_at"] for p in deep), default=0)
        if not deep:
            violate(f"/readyz of {name} was never probed inside the outage")
        for p in deep:
            if p["status"] != 503:
                violate(f"/readyz of {name} answered {p['status']} at {iso(p['sent_at'])}, inside the outage")
                break
        up = [p for p in mine if p["sent_at"] >= outage["back"] and p["status"] == 200]
        ready_back[name] = f"{(up[0]['sent_at'] - outage['back']) / 1000:.1f} s" if up else "never"
        if not up:
            violate(f"/readyz of {name} did not answer 200 after PostgreSQL was back")

    ctx["summary"] += [
        ("e. PostgreSQL refusing sessions (restart --down "
         f"{settings['outage_seconds']})", f"{(outage['down_until'] - outage['down_from']) / 1000:.1f} s; "
                                           f"{len(records)} deliveries via A and B"),
        ("   inside it: 503 nothing done / all; slowest", f"{counts['inside refused']} / {counts['inside']}; "
                                                          f"{worst_inside_ms} ms"),
        ("   load: 200 / 503 nothing done / 503 after acting", f"{counts['200']} / {counts['refused']} / "
                                                               f"{counts['acted unrecorded']}"),
        ("   503 sent after PostgreSQL was back", counts["after back"]),
        ("   /readyz inside: slowest; 200 again after: A / B", f"{ready_slowest['A']} / {ready_slowest['B']} ms; "
                                                               f"{ready_back['A']} / {ready_back['B']}"),
        ("   re-send: replays / acted again / waited 409", f"{replayed} / {reacted} / {conflicts} "
                                                           f"in {resend_seconds:.1f} s"),
        ("   credentials applied once / called twice", f"{once} of {len(targets)} / {twice} (re-acts: already_in_state)"),
    ]
    return violations


# --- the run ---------------------------------------------------------------------------------------------


def audited_everywhere(ctx, audit):
    """d: every 2xx answer that acted, from either replica, has its record in the one chain."""
    violations = []
    by_request = {}
    for record in audit:
        by_request.setdefault(record["request_id"], []).append(record)
    acted = [r for r in ctx["answers"] if r and r.get("status") == 200 and not r.get("replayed")]
    for answer in acted:
        records = [x for x in by_request.get(answer.get("request_id"), []) if x["decision"] in OK_OUTCOMES]
        if not records:
            violations.append(("d. audit", f"the 200 of request {answer.get('request_id')} via {answer['replica']} has "
                                           f"no applied/already_in_state record in the chain"))
        elif answer.get("delivery_id") and records[-1].get("delivery_id") != answer["delivery_id"]:
            violations.append(("d. audit", f"the record of {answer['request_id']} names delivery "
                                           f"{records[-1].get('delivery_id')}, not {answer['delivery_id']}"))
    per_grant = {}
    for record in audit:
        if record["decision"].startswith("grant_"):
            per_grant.setdefault(record["delivery_id"], []).append(record["decision"])
    for grant in ctx.get("grants", {}).values():
        seen = per_grant.get(grant["id"], [])
        for decision in ("grant_created", "grant_revoked"):
            if seen.count(decision) != 1:
                violations.append(("c. grants", f"grant {grant['id']}: {seen.count(decision)} {decision} records"))
        if "grant_revoke_failed" in seen:
            violations.append(("c. grants", f"grant {grant['id']}: grant_revoke_failed recorded"))
    for entry in ctx["verify"]:
        if entry["status"] != 0:
            violations.append(("d. audit", f"audit verify {entry['label']} failed (exit {entry['status']}): "
                                           f"{entry['line']}"))
    by_replica = {n: sum(1 for a in acted if a["replica"] == n) for n in ("A", "B")}
    decisions = {}
    for record in audit:
        decisions[record["decision"]] = decisions.get(record["decision"], 0) + 1
    ctx["summary"] += [
        ("d. audit verify runs / failed; records in the chain", f"{len(ctx['verify'])} / "
                                                               f"{sum(1 for v in ctx['verify'] if v['status'])}; {len(audit)}"),
        ("   2xx that acted via A / B (each needs its record)", f"{by_replica['A']} / {by_replica['B']}"),
    ]
    return violations


def run(work, settings):
    rng = random.Random(settings["seed"])
    environment = child_environment()
    signer = Signer(environment[WEBHOOK_SECRET_VARIABLE])
    postgres = Postgres(settings["postgres_url"], settings["postgres_dir"], settings["postgres_server"])
    if postgres.password:
        environment[PASSWORD_VARIABLE] = postgres.password
    run_id = f"{settings['seed']:x}"
    database = f"segura_replica_test_{run_id}_{secrets.token_hex(3)}"
    databases = [database] + ([database + "_b"] if settings["break"] == "split-store" else [])
    ctx = {"settings": settings, "work": work, "environment": environment, "signer": signer, "postgres": postgres,
           "rng": rng, "run": run_id, "gateway_bin": settings["gateway"], "answers": [], "verify": [], "summary": [],
           "postgres_restarting": False}
    simulator_processes = Processes(work, environment)
    replicas = []
    created = []
    try:
        for name in databases:
            postgres.create_database(name)
            created.append(name)
        seed_path = os.path.join(work, "seed.json")
        ids = ([FIRST["a"] + i for i in range(settings["deliveries"])] + [FIRST["b"]]
               + [FIRST["c"] + i for i in range(settings["grants"])] + [FIRST["e"] + i for i in range(OUTAGE_TARGETS)])
        with open(seed_path, "w", encoding="utf-8") as out:
            json.dump([{"kind": KIND, "id": i, "state": "inactive"} for i in ids], out)
        simulator = simulator_processes.start_simulator(settings["simulator"], seed_path)
        ctx["simulator"] = simulator

        replicas = [Replica(name, work, environment, free_port()) for name in ("A", "B")]
        ctx["replicas"] = replicas
        for replica, name in zip(replicas, [databases[0], databases[-1]]):
            with open(replica.config, "w", encoding="utf-8") as out:
                configuration = gateway_config(replica, postgres.url(name), postgres.password, simulator, settings)
                json.dump(configuration, out, indent=2)
            checked = subprocess.run([settings["gateway"], "check-config", replica.config], capture_output=True,
                                     text=True, env=environment, check=False)
            if checked.returncode != 0:
                raise Failure(f"check-config refused {replica.config}: {checked.stdout}{checked.stderr}")
        # Both at once: their schema migrations race for the advisory lock.
        ready = in_pool(replicas, 2, lambda r: r.start(settings["gateway"]))
        for replica in replicas:
            if replica.processes.gateway_starts != 1:
                raise Failure(f"gateway {replica.name} needed {replica.processes.gateway_starts} attempts to start beside "
                              f"the other (their migrations raced?); see {replica.log_name}")
        log(f"simulator {simulator}; gateways A {replicas[0].url} and B {replicas[1].url} ready "
            f"({abs(ready[0] - ready[1])} ms apart) on database {database}"
            f"{' (B on ' + databases[-1] + ': REPLICA_TEST_BREAK=split-store)' if len(databases) > 1 else ''}; "
            f"seed {settings['seed']}")

        violations = []
        violations += phase_once(ctx)
        violations += phase_serial(ctx)
        verify_chain(ctx, "after the deliveries")
        violations += phase_grants(ctx)
        if settings["skip_outage"]:
            ctx["summary"].append(("e. PostgreSQL restart", "skipped (REPLICA_TEST_SKIP_OUTAGE=1)"))
        elif settings["postgres_dir"]:
            violations += phase_outage(ctx)
        else:
            raise Failure("SEGURA_TEST_POSTGRES_DIR is not set, so PostgreSQL cannot be restarted for phase e "
                          "(REPLICA_TEST_SKIP_OUTAGE=1 runs without it)")

        stopped = [Processes.end(r.processes.gateway, grace=10.0) for r in replicas]
        for replica, clean in zip(replicas, stopped):
            if not clean:
                violations.append(("d. audit", f"gateway {replica.name} did not stop within 10 s of SIGTERM"))
        verify_chain(ctx, "at the end")
        export_path = os.path.join(work, "audit.jsonl")
        status, _ = audit_command(settings["gateway"], "export", replicas[0].config, export_path, option="--config",
                                  environment=environment)
        if status != 0:
            raise Failure(f"audit export --config failed (exit {status})")
        with open(export_path, encoding="utf-8") as source:
            audit = [json.loads(line) for line in source if line.strip()]
        violations += audited_everywhere(ctx, audit)
        return ctx, violations
    finally:
        for replica in replicas:
            replica.processes.stop()
        simulator_processes.stop()
        if ctx["postgres_restarting"] and not postgres.accepting():
            log("PostgreSQL is still down after an interrupted restart: restarting it again")
            try:
                postgres.restart(0)
            except (Failure, OSError, subprocess.TimeoutExpired) as error:
                log(f"could not start PostgreSQL again: {error}")
        if os.environ.get("REPLICA_TEST_KEEP_DIR"):
            log(f"database(s) kept: {', '.join(created)}")
        else:
            for name in created:
                postgres.drop_database(name)


def main():
    started = time.time()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    settings = {
        "gateway": os.environ.get("SEGURA_GATEWAY_BIN", ""), "simulator": os.environ.get("SEGURA_SIMULATOR_BIN", ""),
        "postgres_url": os.environ.get("SEGURA_TEST_POSTGRES_URL", ""),
        "postgres_dir": os.environ.get("SEGURA_TEST_POSTGRES_DIR", ""),
        "postgres_server": os.environ.get("REPLICA_TEST_POSTGRES_SERVER") or os.path.join(root, "scripts", "postgres-server"),
        "skip_outage": os.environ.get("REPLICA_TEST_SKIP_OUTAGE", "") == "1",
        "deliveries": setting("REPLICA_TEST_DELIVERIES", 500), "triple_every": setting("REPLICA_TEST_TRIPLE_EVERY", 10),
        "threads": setting("REPLICA_TEST_THREADS", 16), "same_target": setting("REPLICA_TEST_SAME_TARGET", 12),
        "same_latency_ms": setting("REPLICA_TEST_SAME_TARGET_LATENCY_MS", 250),
        "grants": setting("REPLICA_TEST_GRANTS", 80), "grant_min": setting("REPLICA_TEST_GRANT_MIN_SECONDS", 3),
        "grant_max": setting("REPLICA_TEST_GRANT_MAX_SECONDS", 15), "kills": setting("REPLICA_TEST_KILLS", 4),
        "poll_ms": setting("REPLICA_TEST_POLL_MS", 250), "slack_ms": setting("REPLICA_TEST_ON_TIME_SLACK_MS", 2000),
        "outage_seconds": setting("REPLICA_TEST_OUTAGE_SECONDS", 10),
        "outage_threads": setting("REPLICA_TEST_OUTAGE_THREADS", 8),
        "pool": setting("REPLICA_TEST_POOL", 0),
        "seed": setting("REPLICA_TEST_SEED", random.randrange(1 << 30)),
        "break": os.environ.get("REPLICA_TEST_BREAK", ""),
    }
    for key in ("gateway", "simulator"):
        if not os.access(settings[key], os.X_OK):
            log(f"FAILED: no executable segura-{key} (SEGURA_{key.upper()}_BIN={settings[key]!r})")
            return 1
    if not settings["postgres_url"]:
        log("FAILED: SEGURA_TEST_POSTGRES_URL is not set (scripts/postgres-server start DIR prints it)")
        return 1
    if settings["break"] not in ("", "split-store"):
        log("FAILED: REPLICA_TEST_BREAK must be split-store")
        return 1
    if settings["deliveries"] > FIRST["c"] - FIRST["a"] or settings["grants"] > FIRST["e"] - FIRST["c"]:
        log("FAILED: REPLICA_TEST_DELIVERIES must be at most 5000 and REPLICA_TEST_GRANTS at most 15000")
        return 1
    arm_deadline("REPLICA_TEST_TIMEOUT_SECONDS", 300)
    work = tempfile.mkdtemp(prefix="segura-replicas.")
    try:
        ctx, violations = run(work, settings)
        signal.alarm(0)
    except (Failure, OSError, RuntimeError, http.client.HTTPException, subprocess.TimeoutExpired) as failure:
        signal.alarm(0)
        log(f"FAILED: {failure}")
        log_tails(work, ("gateway-a.log", "gateway-b.log", "simulator.log"))
        return 1
    finally:
        keep_and_remove(work, "REPLICA_TEST_KEEP_DIR", "logs, configurations and the audit export")
    print()
    print("replica test summary (gateways A and B, one PostgreSQL database, one simulator)")
    for label, value in ctx["summary"] + [("wall time after the build, seconds", round(time.time() - started))]:
        print(f"  {label:<53} {value}")
    print()
    violated = verdicts(violations, PROPERTIES)
    if violated:
        log(f"FAILED: {len(violations)} violation(s) of: {', '.join(violated)}")
        return 1
    log("passed: each delivery acted on once whichever replica got it, one change per target at a time, every grant "
        "revoked once and on time across SIGKILLs, one audit chain, and a PostgreSQL outage refused without acting")
    return 0


if __name__ == "__main__":
    exit_with(main)
