#!/usr/bin/env python3
"""Restart test of time-bound grants, run by scripts/grant-restart-test. Standard library only.

"The gateway is stopped with SIGKILL while grants are pending and started again after some have expired.
Every expired grant is revoked once, and none early." All on 127.0.0.1, in one temporary directory:

  1. segura-simulator --port 0 with GRANT_TEST_GRANTS inactive credentials (ids from GRANT_TEST_FIRST_ID, apart
     from the crash test's 1..3000) and a random GRANT_TEST_LATENCY_MIN_MS..MAX_MS latency on every disable;
  2. segura-gateway serve on a free port, with one Standard Webhooks caller allowed enable/disable on credentials,
     and the same configuration (store, port, grants.instance_id) for every restart;
  3. one signed `enable` with a `duration` (PT<n>S, n in GRANT_TEST_MIN_SECONDS..MAX_SECONDS) per credential, from
     GRANT_TEST_THREADS threads; each 200 answer's grant id and expires_at are recorded;
  4. GRANT_TEST_KILLS times: up 2-5 s, SIGKILL, down 1-5 s (so grants expire while nobody runs), restart, wait for
     /readyz and `segura-gateway audit verify --store`;
  5. after the last expiry and a margin, the checks, each named in the summary when it fails (exit 1):
       none early  each credential's first disable reached Segura at or after its grant's recorded expires_at;
       once        one applied disable per credential, every credential inactive, one enable each and no other call;
       store       GET /v1/grants?state=open is empty, every grant revoked (ended_by expiry) at the expiry it was
                   answered with; the audit export holds one grant_created and one grant_revoked per grant id (its
                   delivery_id) and no grant_revoke_failed;
       on time     expired while the gateway was up: revoked (ended_at) within 1 s + the highest injected latency of
                   its expiry; expired while it was down (or too near a kill to finish): within 2 s of the ready
                   time of the restart that followed;
       audit       the chain verifies after every restart and at the end.

Environment (all optional): GRANT_TEST_KILLS (4), GRANT_TEST_GRANTS (150), GRANT_TEST_THREADS (4),
GRANT_TEST_FIRST_ID (5001), GRANT_TEST_MIN_SECONDS (4), GRANT_TEST_MAX_SECONDS (30), GRANT_TEST_LATENCY_MIN_MS (50),
GRANT_TEST_LATENCY_MAX_MS (150), GRANT_TEST_POLL_MS (grants.poll_interval_ms, 250), GRANT_TEST_SEED (random),
GRANT_TEST_TIMEOUT_SECONDS (300, then the run is abandoned), GRANT_TEST_KEEP_DIR (copy logs, records and the audit export there), GRANT_TEST_BREAK=early (self-test: while the
gateway is down once, move one open grant's expires_at and due_at to now in the SQLite store, keeping the recorded
expiry, so 'none early' must fail). SEGURA_GATEWAY_BIN and SEGURA_SIMULATOR_BIN name the binaries (required here;
scripts/grant-restart-test builds them when unset).

Signing, the simulator's control API and the seed's ticket pattern come from crash_test (the crash test's helpers).
"""

import base64
import datetime
import json
import os
import random
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import http.client

from crash_test import KIND, TICKET_PATTERN, Signer, http_json, signed_content, simulator_stats, split_url

CALLER = "grant-restart-test"
INSTANCE_ID = "grant-restart-test-1"
READY_BOUND_MS = 2000  # a grant that fell due while the gateway was down: revoked within this of the restart's /readyz
UP_BOUND_MS = 1000  # a grant that fell due while it ran: revoked within this (plus the injected latency) of expiry


def log(message):
    """Prefixed with the running script's name: scripts/replica_test.py uses these helpers too."""
    print(f"{os.path.basename(sys.argv[0]).removesuffix('.py').replace('_', '-')}: {message}", file=sys.stderr, flush=True)


class Failure(Exception):
    """The run could not be carried out (not a violated property)."""


def setting(name, default):
    value = os.environ.get(name, "")
    return int(value) if value else default


def now_ms():
    return int(time.time() * 1000)


def timestamp_ms(text):
    """'2026-11-23T10:00:00.123Z' as milliseconds since the epoch."""
    moment = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return round(moment.timestamp() * 1000)


def iso(milliseconds):
    """Milliseconds since the epoch in the gateway's timestamp form, for messages."""
    moment = datetime.datetime.fromtimestamp(milliseconds / 1000, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{milliseconds % 1000:03d}Z"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_status(url, timeout=2.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, http.client.HTTPException):
        return None


def signed_request(gateway, signer, method, path, body=b"", timeout=15.0):
    """A signed request on a new connection: (status, decoded JSON or None). Raises OSError when the connection
    fails. GETs and DELETEs are signed over their method, path and query (signed_content); every request gets a
    webhook-id of its own."""
    host, port = split_url(gateway)
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        headers = signer.headers(f"msg_grt_{secrets.token_hex(12)}", signed_content(method, path, body))
        headers["Connection"] = "close"
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, None


# --- processes -------------------------------------------------------------------------------------------


class Processes:
    """The simulator and the gateway, their logs in the work directory; stop() ends whatever still runs."""

    def __init__(self, work, environment):
        self.work = work
        self.environment = environment
        self.simulator = None
        self.gateway = None
        self.gateway_starts = 0

    def spawn(self, argv, log_name, stdout=None):
        with open(os.path.join(self.work, log_name), "ab") as errors:
            return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout or errors, stderr=errors,
                                    env=self.environment)

    def start_simulator(self, binary, seed_path):
        announce = os.path.join(self.work, "simulator.out")
        with open(announce, "wb") as out:
            self.simulator = self.spawn([binary, "--host", "127.0.0.1", "--port", "0", "--client-id", "segura-gateway",
                                         "--seed", seed_path, "--log-level", "warning"], "simulator.log", stdout=out)
        prefix = "segura-simulator listening on "
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.simulator.poll() is not None:
                raise Failure(f"the simulator exited ({self.simulator.returncode}); see simulator.log")
            with open(announce, encoding="utf-8", errors="replace") as out:
                for line in out:
                    if line.startswith(prefix):
                        return line[len(prefix):].strip().rstrip("/")
            time.sleep(0.05)
        raise Failure("the simulator did not announce its URL within 30 s")

    def start_gateway(self, binary, config, url, log_name="gateway.log"):
        """Starts `serve` and waits for /readyz (a killed process's port can need another try); the wall time,
        in ms, of the first ready answer."""
        for attempt in range(1, 4):
            self.gateway_starts += 1
            self.gateway = self.spawn([binary, "serve", "--config", config], log_name)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and self.gateway.poll() is None:
                if http_status(f"{url}/readyz", timeout=1.0) == 200:
                    return now_ms()
                time.sleep(0.05)
            log(f"the gateway did not become ready (attempt {attempt}, exit {self.gateway.poll()}; {log_name})")
            self.end(self.gateway)
            time.sleep(1)
        raise Failure(f"the gateway would not start; see {log_name}")

    def kill_gateway(self):
        self.gateway.send_signal(signal.SIGKILL)
        self.gateway.wait()
        return now_ms()

    @staticmethod
    def end(process, grace=5.0):
        """SIGTERM, then SIGKILL after `grace` seconds; whether it ended within the grace."""
        if process is None or process.poll() is not None:
            return True
        process.terminate()
        try:
            process.wait(grace)
            return True
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return False

    def stop(self):
        self.end(self.gateway)
        self.end(self.simulator)


def arm_deadline(variable, default):
    """Ends the run on SIGTERM (exit 143) and, through SIGALRM, after `variable` seconds (default `default`)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    limit = setting(variable, default)

    def overdue(*_):
        raise Failure(f"the run took more than {limit} s ({variable})")

    signal.signal(signal.SIGALRM, overdue)
    signal.alarm(limit)


def log_tails(work, names):
    """Logs the last lines of each non-empty log in `work`, for a run that failed."""
    for name in names:
        path = os.path.join(work, name)
        if os.path.exists(path) and os.path.getsize(path):
            with open(path, encoding="utf-8", errors="replace") as source:
                log(f"last lines of {name}:\n" + "".join(line[:400] for line in source.readlines()[-8:]))


def keep_and_remove(work, variable, what):
    """Copies `work` to the folder `variable` names, if set, then removes it."""
    keep = os.environ.get(variable)
    if keep:
        shutil.copytree(work, keep, dirs_exist_ok=True)
        log(f"{what} kept in {keep}")
    shutil.rmtree(work, ignore_errors=True)


def audit_command(binary, verb, store, out_path, option="--store", environment=None):
    """`segura-gateway audit <verb> --store STORE` (or `--config STORE` with option="--config", run in
    `environment`, which resolves the file's secret references); (exit status, last line of its output)."""
    with open(out_path, "wb") as out:
        argv = [binary, "audit", verb, option, store] + (["--format", "jsonl"] if verb == "export" else [])
        status = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT if verb == "verify" else subprocess.DEVNULL,
                                timeout=120, check=False, env=environment).returncode
    with open(out_path, encoding="utf-8", errors="replace") as out:
        lines = [line.rstrip() for line in out if line.strip()]
    return status, (lines[-1] if lines else "")


# --- the run ---------------------------------------------------------------------------------------------


def gateway_config(port, store, simulator_url):
    """The configuration, as JSON (which YAML reads as is)."""
    return {
        "http": {"host": "127.0.0.1", "port": port, "max_body_bytes": 65536},
        "log": {"level": "info"},
        "store": {"path": store, "delivery_expiry_hours": 24, "stale_claim_seconds": 20},
        "segura": {
            "base_url": simulator_url, "client_id": "segura-gateway", "client_secret": "env:SEGURA_CLIENT_SECRET",
            "token_path": "/iso/oauth2/token", "api_prefix": "/api", "connect_timeout_seconds": 5,
            "request_timeout_seconds": 10, "deadline_seconds": 12, "max_attempts": 3,
        },
        "grants": {"instance_id": INSTANCE_ID, "poll_interval_ms": setting("GRANT_TEST_POLL_MS", 250),
                   "revocation_concurrency": 8, "retry_initial_seconds": 1},
        "callers": {
            CALLER: {
                "scheme": "standard-webhooks",
                "secrets": ["env:GRANT_TEST_WEBHOOK_SECRET"],
                "policy": {"actions": ["enable", "disable"], "kinds": [KIND], "ticket_pattern": "CHG[0-9]{7}",
                           "max_duration": "PT1H"},
            }
        },
    }


def child_environment():
    """Random test-only secrets; no variable that would override the configuration file (HTTP_PORT, GRANTS_…)."""
    overriding = ("HTTP_", "LOG_", "STORE_", "SEGURA_", "GRANTS_", "CALLERS_")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(overriding)}
    client_secret = secrets.token_urlsafe(24)
    environment.update(
        GRANT_TEST_WEBHOOK_SECRET="whsec_" + base64.b64encode(os.urandom(32)).decode(),
        SEGURA_CLIENT_SECRET=client_secret,
        SEGURA_SIMULATOR_CLIENT_SECRET=client_secret,
    )
    return environment


def slow_disables(simulator, count, low, high, rng):
    """One latency fault per expected disable, at a random latency each, then one at `high` that never runs out."""
    rule = {"fault": "latency", "route": "operation", "kind": KIND, "action": "disable"}
    for _ in range(count):
        http_json(simulator, "POST", "/_simulator/faults", dict(rule, latency_ms=rng.randint(low, high), times=1))
    http_json(simulator, "POST", "/_simulator/faults", dict(rule, latency_ms=high, times=1_000_000_000))


def create_grants(gateway, signer, targets, durations, threads):
    """One signed enable with a duration per target; the grants by target, from the 200 answers."""
    queue = list(targets)
    lock = threading.Lock()
    grants, errors = {}, []

    def worker():
        while True:
            with lock:
                if not queue or errors:
                    return
                target = queue.pop()
            body = json.dumps({"action": "enable", "target": {"kind": KIND, "id": target},
                               "ticket": TICKET_PATTERN.format(target), "requested_by": CALLER,
                               "reason": "scripts/grant-restart-test", "duration": f"PT{durations[target]}S"},
                              separators=(",", ":")).encode()
            try:
                status, answer = signed_request(gateway, signer, "POST", "/v1/actions", body)
            except (OSError, http.client.HTTPException) as error:
                status, answer = None, f"{type(error).__name__}: {error}"
            grant = answer.get("grant") if isinstance(answer, dict) else None
            with lock:
                if status != 200 or not grant or grant.get("state") != "active":
                    errors.append(f"credential {target}: HTTP {status}: {json.dumps(answer)[:300]}")
                else:
                    grants[target] = {"target": target, "id": grant["id"], "duration_s": durations[target],
                                      "starts_at": timestamp_ms(grant["starts_at"]),
                                      "expires_at": timestamp_ms(grant["expires_at"]), "outcome": answer["outcome"]}

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(120)
    if errors or len(grants) != len(targets):
        raise Failure(f"creating the grants failed: {errors[:3] or 'a thread did not finish'}")
    return grants


def break_early(store, grants, restart_expected_ms):
    """GRANT_TEST_BREAK=early: one open grant due well after the coming restart is made due now, by hand in the
    store; the recorded expiry stays, so its revocation must show as early."""
    later = [g for g in grants.values() if g["expires_at"] > restart_expected_ms + 4000]
    if not later:
        raise Failure("GRANT_TEST_BREAK=early: no grant expires late enough to be moved")
    victim = min(later, key=lambda g: g["expires_at"])
    moved_to = now_ms()
    connection = sqlite3.connect(store, timeout=30)
    with connection:
        changed = connection.execute(
            "UPDATE access_grant SET expires_at = ?, due_at = ? WHERE id = ? AND state = 'active'",
            (moved_to, moved_to, victim["id"])).rowcount
    connection.close()
    if changed != 1:
        raise Failure(f"GRANT_TEST_BREAK=early: grant {victim['id']} was not open in the store")
    log(f"GRANT_TEST_BREAK=early: moved grant {victim['id']} (credential {victim['target']}) from "
        f"expires_at {iso(victim['expires_at'])} to {iso(moved_to)} (and due_at with it), "
        f"{(victim['expires_at'] - moved_to) / 1000:.1f} s early")


def list_grants(gateway, signer, state):
    status, answer = signed_request(gateway, signer, "GET", f"/v1/grants?state={state}&target_kind={KIND}&limit=500")
    if status != 200 or not isinstance(answer, dict):
        raise Failure(f"GET /v1/grants?state={state} answered {status}: {json.dumps(answer)[:300]}")
    return answer["grants"]


def run(work, settings):
    rng = random.Random(settings["seed"])
    gateway_bin, simulator_bin = settings["gateway"], settings["simulator"]
    processes = Processes(work, child_environment())
    signer = Signer(processes.environment["GRANT_TEST_WEBHOOK_SECRET"])
    result = {"settings": settings, "restarts": [], "verify": []}
    try:
        targets = list(range(settings["first_id"], settings["first_id"] + settings["grants"]))
        seed_path = os.path.join(work, "seed.json")
        with open(seed_path, "w", encoding="utf-8") as out:
            json.dump([{"kind": KIND, "id": target, "state": "inactive"} for target in targets], out)
        simulator = processes.start_simulator(simulator_bin, seed_path)
        slow_disables(simulator, len(targets), settings["latency_min"], settings["latency_max"], rng)
        log(f"simulator {simulator}: {len(targets)} inactive credentials {targets[0]}..{targets[-1]}, "
            f"{settings['latency_min']}-{settings['latency_max']} ms latency on every disable")

        store = os.path.join(work, "gateway.sqlite")
        config = os.path.join(work, "gateway.yaml")
        port = free_port()
        gateway = f"http://127.0.0.1:{port}"
        with open(config, "w", encoding="utf-8") as out:
            json.dump(gateway_config(port, store, simulator), out, indent=2)
        checked = subprocess.run([gateway_bin, "check-config", config], capture_output=True, text=True,
                                 env=processes.environment, check=False)
        if checked.returncode != 0:
            raise Failure(f"check-config refused the configuration: {checked.stdout}{checked.stderr}")
        windows = [{"ready_at": processes.start_gateway(gateway_bin, config, gateway), "killed_at": None}]
        log(f"gateway {gateway} ready, store {store}, grants.instance_id {INSTANCE_ID}; seed {settings['seed']}")

        def verify(label):
            status, line = audit_command(gateway_bin, "verify", store, os.path.join(work, "verify.out"))
            result["verify"].append({"label": label, "status": status, "line": line})
            log(f"audit verify {label}: {'ok' if status == 0 else f'FAILED (exit {status})'}: {line}")

        durations = {t: rng.randint(settings["min_seconds"], settings["max_seconds"]) for t in targets}
        created_from = now_ms()
        grants = create_grants(gateway, signer, targets, durations, settings["threads"])
        created_until = now_ms()
        result.update(created_from=created_from, created_until=created_until, grants=grants)
        last_expiry = max(g["expires_at"] for g in grants.values())
        log(f"{len(grants)} grants created in {(created_until - created_from) / 1000:.1f} s "
            f"({settings['threads']} threads), durations {settings['min_seconds']}-{settings['max_seconds']} s, "
            f"last expiry in {(last_expiry - created_until) / 1000:.1f} s")

        for number in range(1, settings["kills"] + 1):
            time.sleep(rng.uniform(2.0, 5.0))
            if processes.gateway.poll() is not None:
                raise Failure(f"the gateway died on its own before kill {number}; see gateway.log")
            killed_at = processes.kill_gateway()
            windows[-1]["killed_at"] = killed_at
            down_s = rng.uniform(1.0, 5.0)
            if settings["break"] == "early" and number == 1:
                break_early(store, grants, killed_at + down_s * 1000)
            time.sleep(max(0.0, killed_at / 1000 + down_s - time.time()))
            started_at = now_ms()
            ready_at = processes.start_gateway(gateway_bin, config, gateway)
            windows.append({"ready_at": ready_at, "killed_at": None})
            expired_down = sum(1 for g in grants.values() if killed_at <= g["expires_at"] < ready_at)
            result["restarts"].append({"number": number, "killed_at": killed_at, "started_at": started_at,
                                       "ready_at": ready_at, "expired_while_down": expired_down})
            log(f"kill {number}/{settings['kills']}: SIGKILL at +{(killed_at - created_from) / 1000:.1f} s, down "
                f"{(started_at - killed_at) / 1000:.1f} s, ready {(ready_at - started_at) / 1000:.2f} s after the "
                f"start; {expired_down} grant(s) expired meanwhile")
            verify(f"after restart {number}")

        # Every expiry, then a margin: the open grants must be gone by then (waits a little longer if not).
        settle_until = max(last_expiry, windows[-1]["ready_at"]) + settings["margin_ms"]
        time.sleep(max(0.0, settle_until / 1000 - time.time()))
        open_grants = list_grants(gateway, signer, "open")
        while open_grants and now_ms() < settle_until + 15_000:
            time.sleep(0.5)
            open_grants = list_grants(gateway, signer, "open")
        result["open_grants"] = open_grants
        result["store_grants"] = list_grants(gateway, signer, "all")
        result["calls"] = http_json(simulator, path="/_simulator/calls")["calls"]
        result["stats"] = simulator_stats(simulator)
        result["states"] = {t: simulator_object_state(simulator, t) for t in targets}
        result["windows"] = windows
        result["stopped_cleanly"] = processes.end(processes.gateway, grace=10.0)
        verify("at the end")
        export_path = os.path.join(work, "audit.jsonl")
        status, _ = audit_command(gateway_bin, "export", store, export_path)
        if status != 0:
            raise Failure(f"audit export failed (exit {status})")
        with open(export_path, encoding="utf-8") as source:
            result["audit"] = [json.loads(line) for line in source if line.strip()]
        result["gateway_starts"] = processes.gateway_starts
        return result
    finally:
        processes.stop()


def simulator_object_state(simulator, target):
    return http_json(simulator, path=f"/_simulator/objects/{KIND}/{target}").get("state")


# --- the checks ----------------------------------------------------------------------------------------------


def check(result, settings, started):
    """The properties; prints the summary and returns the violations as (property, message)."""
    violations = []
    grants = result["grants"]
    by_id = {g["id"]: g for g in grants.values()}
    windows = result["windows"]
    bound_up = UP_BOUND_MS + settings["latency_max"]

    # Segura's call log, per credential.
    calls = {}
    for call in result["calls"]:
        if call["kind"] != KIND or call["id"] not in grants:
            violations.append(("once", f"Segura got '{call['operation']}', which no grant explains"))
            continue
        calls.setdefault(call["id"], []).append(call)

    early, repeated_disables = [], 0
    for target, grant in sorted(grants.items()):
        mine = calls.get(target, [])
        enables = [c for c in mine if c["action"] == "enable"]
        disables = [c for c in mine if c["action"] == "disable"]
        applied = [c for c in disables if c["applied"]]
        repeated_disables += max(0, len(disables) - 1)
        # none early
        if disables and disables[0]["at_ms"] < grant["expires_at"]:
            early.append(grant["expires_at"] - disables[0]["at_ms"])
            violations.append(("none early", f"credential {target} (grant {grant['id']}): disabled at "
                                             f"{iso(disables[0]['at_ms'])}, {early[-1]} ms before its expiry "
                                             f"{iso(grant['expires_at'])}"))
        # once
        if len(applied) != 1:
            violations.append(("once", f"credential {target}: {len(applied)} applied disables "
                                       f"({len(disables)} disable calls)"))
        if len(enables) != 1 or not enables[0]["applied"] or (disables and enables[0]["at_ms"] > disables[0]["at_ms"]):
            violations.append(("once", f"credential {target}: enable calls {[(c['at_ms'], c['applied']) for c in enables]}, "
                                       f"expected the grant's one applied enable before any disable"))
        grant["disabled_at"] = applied[0]["at_ms"] if applied else None
    inactive = sum(1 for state in result["states"].values() if state == "inactive")
    for target, state in sorted(result["states"].items()):
        if state != "inactive":
            violations.append(("once", f"credential {target} is {state} in the simulator at the end"))
    applied_changes = result["stats"].get("applied_changes")
    if applied_changes != 2 * len(grants):
        violations.append(("once", f"the simulator applied {applied_changes} changes, expected {2 * len(grants)} "
                                   f"(one enable and one disable per credential)"))

    # The store and its audit trail.
    for grant in result["open_grants"]:
        violations.append(("store", f"grant {grant['id']} (credential {grant['target']['id']}) is still "
                                    f"{grant['state']} (GET /v1/grants?state=open)"))
    stored = {g["id"]: g for g in result["store_grants"]}
    for grant_id, grant in by_id.items():
        row = stored.get(grant_id)
        if row is None:
            violations.append(("store", f"grant {grant_id} is missing from GET /v1/grants?state=all"))
            continue
        if row["state"] != "revoked" or row.get("ended_by") != "expiry":
            violations.append(("store", f"grant {grant_id}: state {row['state']}, ended_by {row.get('ended_by')}, "
                                        f"expected revoked by expiry"))
        if timestamp_ms(row["expires_at"]) != grant["expires_at"]:
            violations.append(("store", f"grant {grant_id}: the store says expires_at {row['expires_at']}, the answer "
                                        f"said {iso(grant['expires_at'])}"))
        grant["ended_at"] = timestamp_ms(row["ended_at"]) if row.get("ended_at") else None
        grant["revoke_attempts"] = row.get("revoke_attempts")
    decisions, per_grant = {}, {}
    for record in result["audit"]:
        decisions[record["decision"]] = decisions.get(record["decision"], 0) + 1
        if record["decision"].startswith("grant_"):
            per_grant.setdefault(record["delivery_id"], []).append(record["decision"])
    for grant_id in by_id:
        seen = per_grant.get(grant_id, [])
        for decision in ("grant_created", "grant_revoked"):
            if seen.count(decision) != 1:
                violations.append(("store", f"grant {grant_id}: {seen.count(decision)} {decision} audit records"))
    for grant_id in set(per_grant) - set(by_id):
        violations.append(("store", f"audit records for grant {grant_id}, which no answer opened: {per_grant[grant_id]}"))
    if decisions.get("grant_revoke_failed"):
        violations.append(("store", f"{decisions['grant_revoke_failed']} grant_revoke_failed audit records"))

    # On time: up against the expiry, or down against the ready time of the restart that followed.
    groups = {"up": [], "down": []}
    for grant in grants.values():
        expiry = grant["expires_at"]
        up = any(w["ready_at"] <= expiry and (w["killed_at"] is None or expiry + bound_up <= w["killed_at"])
                 for w in windows)
        reference = expiry if up else min(w["ready_at"] for w in windows if w["ready_at"] > expiry)
        bound = bound_up if up else READY_BOUND_MS
        ended = grant.get("ended_at")
        late = None if ended is None else ended - reference
        segura_late = None if grant["disabled_at"] is None else grant["disabled_at"] - reference
        groups["up" if up else "down"].append((late, segura_late))
        if late is None:
            continue
        if late > bound:
            what = "its expiry" if up else "the ready time of the restart after its expiry"
            violations.append(("on time", f"grant {grant['id']} (credential {grant['target']}): revoked {late} ms after "
                                          f"{what}, more than {bound} ms"))
    if not groups["down"]:
        violations.append(("on time", "no grant expired while the gateway was down: the run proved nothing"))

    # The audit chain.
    for entry in result["verify"]:
        if entry["status"] != 0:
            violations.append(("audit", f"audit verify {entry['label']} failed (exit {entry['status']}): {entry['line']}"))
    if not result["stopped_cleanly"]:
        violations.append(("audit", "the gateway did not stop within 10 s of SIGTERM at the end"))

    def worst(group, index):
        values = [entry[index] for entry in groups[group] if entry[index] is not None]
        return f"{max(values)} ms" if values else "n/a"

    restarts = result["restarts"]
    lines = [
        ("credentials / grants created", f"{len(grants)} / {len(by_id)} in "
                                         f"{(result['created_until'] - result['created_from']) / 1000:.1f} s"),
        ("grant durations, seconds", f"{settings['min_seconds']}-{settings['max_seconds']}"),
        ("injected disable latency, ms", f"{settings['latency_min']}-{settings['latency_max']}"),
        ("SIGKILLs / gateway starts", f"{len(restarts)} / {result['gateway_starts']}"),
    ]
    for r in restarts:
        lines.append((f"  restart {r['number']}: down / start to ready, s",
                      f"{(r['started_at'] - r['killed_at']) / 1000:.1f} / {(r['ready_at'] - r['started_at']) / 1000:.2f}"
                      f" ({r['expired_while_down']} expired while down)"))
    lines += [
        ("grants expired while up / down (or cut by a kill)", f"{len(groups['up'])} / {len(groups['down'])}"),
        ("max lateness while up: revoked / Segura call", f"{worst('up', 0)} / {worst('up', 1)} "
                                                           f"after expiry (bound {bound_up} ms)"),
        ("max lateness after a restart: revoked / call", f"{worst('down', 0)} / {worst('down', 1)} "
                                                          f"after ready (bound {READY_BOUND_MS} ms)"),
        ("disabled before expiry (none early)", f"{len(early)}" + (f", up to {max(early)} ms early" if early else "")),
        ("applied disables / credentials inactive", f"{sum(1 for g in grants.values() if g['disabled_at'])} / {inactive}"),
        ("repeated disable calls (already disabled)", repeated_disables),
        ("simulator applied_changes", applied_changes),
        ("open grants at the end", len(result["open_grants"])),
        ("revoke attempts, most for one grant", max((g.get("revoke_attempts") or 0) for g in grants.values())),
        ("grant audit records", ", ".join(f"{k} {v}" for k, v in sorted(decisions.items()) if k.startswith("grant_"))),
        ("audit verify runs / failed", f"{len(result['verify'])} / {sum(1 for r in result['verify'] if r['status'])}"),
        ("wall time after the build, seconds", round(time.time() - started)),
    ]
    print()
    print("grant restart test summary")
    for label, value in lines:
        print(f"  {label:<50} {value}")
    print()
    return violations


PROPERTIES = ("none early", "once", "store", "on time", "audit")


def verdicts(violations, properties=PROPERTIES):
    """One line per property (whether it holds), each violated one followed by up to five of its violations;
    returns the names of the violated properties."""
    violated = []
    for name in properties:
        found = [message for kind, message in violations if kind == name]
        print(f"  {name:<10} {'VIOLATED, ' + str(len(found)) + ' time(s)' if found else 'holds'}")
        for message in found[:5]:
            print(f"             - {message}")
        if len(found) > 5:
            print(f"             - ... and {len(found) - 5} more")
        if found:
            violated.append(name)
    print()
    return violated


def main():
    started = time.time()
    settings = {
        "gateway": os.environ.get("SEGURA_GATEWAY_BIN", ""), "simulator": os.environ.get("SEGURA_SIMULATOR_BIN", ""),
        "kills": setting("GRANT_TEST_KILLS", 4), "grants": setting("GRANT_TEST_GRANTS", 150),
        "threads": setting("GRANT_TEST_THREADS", 4), "first_id": setting("GRANT_TEST_FIRST_ID", 5001),
        "min_seconds": setting("GRANT_TEST_MIN_SECONDS", 4), "max_seconds": setting("GRANT_TEST_MAX_SECONDS", 30),
        "latency_min": setting("GRANT_TEST_LATENCY_MIN_MS", 50), "latency_max": setting("GRANT_TEST_LATENCY_MAX_MS", 150),
        "seed": setting("GRANT_TEST_SEED", random.randrange(1 << 30)), "margin_ms": 3000,
        "break": os.environ.get("GRANT_TEST_BREAK", ""),
    }
    for key in ("gateway", "simulator"):
        if not os.access(settings[key], os.X_OK):
            log(f"FAILED: no executable segura-{key} (SEGURA_{key.upper()}_BIN={settings[key]!r})")
            return 1
    if settings["break"] not in ("", "early"):
        log("FAILED: GRANT_TEST_BREAK must be early")
        return 1
    arm_deadline("GRANT_TEST_TIMEOUT_SECONDS", 300)
    work = tempfile.mkdtemp(prefix="segura-grants.")
    try:
        result = run(work, settings)
        violations = check(result, settings, started)
        with open(os.path.join(work, "result.json"), "w", encoding="utf-8") as out:
            json.dump(result, out)
    except (Failure, OSError, RuntimeError, http.client.HTTPException) as failure:
        log(f"FAILED: {failure}")
        log_tails(work, ("gateway.log", "simulator.log"))
        return 1
    finally:
        keep_and_remove(work, "GRANT_TEST_KEEP_DIR", "logs, store and audit export")
    violated = verdicts(violations)
    if violated:
        log(f"FAILED: {len(violations)} violation(s) of: {', '.join(violated)}")
        return 1
    log(f"passed: {len(result['grants'])} grants, {len(result['restarts'])} SIGKILLs; every expired grant revoked "
        f"once, none early, on time, and the audit chain verifies")
    return 0


def exit_with(main):
    """Runs `main` and exits with its status; 130, as a shell does, when interrupted."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    exit_with(main)
