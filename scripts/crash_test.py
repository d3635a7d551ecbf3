#!/usr/bin/env python3
"""The Python half of scripts/crash-test: load, resend and the final checks. Standard library only.

scripts/crash-test starts the processes and kills the gateway; this file talks HTTP and judges the results.

    crash_test.py seed     --count N --out FILE               the simulator's seed: credentials 1..N, inactive
    crash_test.py latency  --simulator URL --min MS --max MS  slow Segura: a random 200-400 ms on every operation
    crash_test.py load     --gateway URL --simulator URL ...  signed deliveries from many threads until --stop-file
    crash_test.py resend   --gateway URL --simulator URL ...  every delivery again, fresh signature, no kills
    crash_test.py check    --load F --resend F --audit F ...  the properties; prints the summary, exits 1 on a violation
    crash_test.py break-audit --store PATH --load F           self-test: deletes one applied record by hand

The Standard Webhooks secret comes from the environment variable named by --secret-env, never from argv.
"""

import argparse
import base64
import collections
import hashlib
import hmac
import http.client
import json
import os
import random
import sqlite3
import sys
import threading
import time
import urllib.parse

OK_DECISIONS = {"applied", "already_in_state"}
OK_OUTCOMES = {"applied", "already_in_state"}
KIND = "credential"
TICKET_PATTERN = "CHG{:07d}"


def log(message):
    print(f"crash-test: {message}", file=sys.stderr, flush=True)


# --- HTTP ------------------------------------------------------------------------------------------------


def split_url(url):
    parts = urllib.parse.urlsplit(url)
    return parts.hostname, parts.port


def http_json(url, method="GET", path="", body=None, timeout=10.0):
    """One request to the simulator's control API; returns the decoded JSON (raises on a non-2xx answer)."""
    host, port = split_url(url)
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        text = response.read()
        if not 200 <= response.status < 300:
            raise RuntimeError(f"{method} {path} answered {response.status}: {text[:300]!r}")
        return json.loads(text)
    finally:
        connection.close()


def simulator_stats(url):
    return http_json(url, path="/_simulator/stats")


class Signer:
    """Standard Webhooks: v1,<base64 HMAC-SHA256 of "id.timestamp.body">, keyed by the decoded whsec_ secret."""

    def __init__(self, secret):
        if not secret.startswith("whsec_"):
            raise SystemExit("crash-test: the webhook secret is not a whsec_ secret")
        self.key = base64.b64decode(secret[len("whsec_"):], validate=True)

    def headers(self, delivery_id, body):
        timestamp = str(int(time.time()))
        mac = hmac.new(self.key, f"{delivery_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
        return {
            "Content-Type": "application/json",
            "webhook-id": delivery_id,
            "webhook-timestamp": timestamp,
            "webhook-signature": "v1," + base64.b64encode(mac).decode(),
        }


def signed_content(method, target, body):
    """What a request's signature covers: the body for POST /v1/actions; for any other request the gateway's
    request binding, "<METHOD> <path>[?<query>]\n" then the body (docs/signatures.md, *Reads are bound to what
    they read*)."""
    if method == "POST" and target == "/v1/actions":
        return body
    return f"{method} {target}\n".encode() + body


def post_delivery(gateway, signer, delivery_id, body, timeout):
    """Sends one delivery on a new connection (so a kill cannot hide behind a stale keep-alive connection).

    Returns ("refused", None) when no connection could be made (nothing was sent; safe to send again at once),
    ("error", text) when the connection broke after it was made (the request may have been acted on), or
    ("answer", dict) with the status, X-Request-Id, Idempotent-Replayed and the body.
    """
    host, port = split_url(gateway)
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        try:
            connection.connect()
        except OSError:
            return "refused", None  # refused, or no connection in time: nothing was sent
        try:
            headers = signer.headers(delivery_id, body)
            headers["Connection"] = "close"
            connection.request("POST", "/v1/actions", body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as error:
            return "error", f"{type(error).__name__}: {error}"
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        return "answer", {
            "status": response.status,
            "request_id": response.getheader("X-Request-Id"),
            "replayed": (response.getheader("Idempotent-Replayed") or "").lower() == "true",
            "outcome": parsed.get("outcome") if isinstance(parsed, dict) else None,
            "attempts": parsed.get("attempts") if isinstance(parsed, dict) else None,
            "error_code": ((parsed.get("error") or {}).get("code") if isinstance(parsed, dict) else None),
            "body_sha256": hashlib.sha256(raw).hexdigest(),
            "body_excerpt": raw[:300].decode("utf-8", "replace"),
        }
    finally:
        connection.close()


def delivery_body(target):
    return json.dumps(
        {
            "action": "enable",
            "target": {"kind": KIND, "id": target},
            "ticket": TICKET_PATTERN.format(target),
            "requested_by": "crash-test",
            "reason": "scripts/crash-test",
        },
        separators=(",", ":"),
    ).encode()


# --- seed, latency ---------------------------------------------------------------------------------------


def command_seed(args):
    objects = [{"kind": KIND, "id": target, "state": "inactive"} for target in range(1, args.count + 1)]
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(objects, out)


def command_latency(args):
    """Queues latency faults on every operation: blocks of `--block` calls at one random latency in
    [min, max], then a catch-all at the midpoint that never runs out, so Segura is slow for the whole run."""
    rng = random.Random(args.seed)
    for _ in range(args.rules):
        milliseconds = rng.randint(args.min, args.max)
        http_json(args.simulator, "POST", "/_simulator/faults",
                  {"fault": "latency", "latency_ms": milliseconds, "times": args.block, "route": "operation"})
    answer = http_json(args.simulator, "POST", "/_simulator/faults",
                       {"fault": "latency", "latency_ms": (args.min + args.max) // 2, "times": 1_000_000_000,
                        "route": "operation"})
    print(answer["pending_faults"])


# --- load ------------------------------------------------------------------------------------------------


def command_load(args):
    signer = Signer(os.environ[args.secret_env])
    http_json(args.simulator, "POST", "/_simulator/stats/reset")
    run = args.run_id
    next_target = iter(range(1, args.targets + 1))
    lock = threading.Lock()
    records = []
    started = time.monotonic()
    deadline = started + args.max_seconds
    exhausted = threading.Event()

    def take():
        with lock:
            return next(next_target, None)

    def worker():
        while not os.path.exists(args.stop_file) and time.monotonic() < deadline:
            target = take()
            if target is None:
                exhausted.set()
                return
            delivery_id = f"msg_crash_{run}_{target:06d}"
            body = delivery_body(target)
            record = {"delivery_id": delivery_id, "target": target, "refused": 0, "status": None, "error": None}
            # Refused connections (the gateway is down between a kill and its restart) sent nothing: send again,
            # as any webhook sender would, until the gateway is back.
            while True:
                kind, answer = post_delivery(args.gateway, signer, delivery_id, body, args.timeout)
                if kind != "refused":
                    break
                record["refused"] += 1
                if time.monotonic() > deadline + args.timeout:
                    kind, answer = "error", "the gateway refused connections until the load's deadline"
                    break
                time.sleep(0.05)
            if kind == "answer":
                record.update(answer)
            else:
                record["error"] = answer
            record["finished_at"] = time.time()
            with lock:
                records.append(record)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(args.max_seconds + 3 * args.timeout)
    stats = simulator_stats(args.simulator)
    records.sort(key=lambda record: record["target"])
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump({"records": records, "stats_after": stats, "exhausted": exhausted.is_set(),
                   "seconds": time.monotonic() - started}, out)
    answered = sum(1 for record in records if record["status"] is not None)
    log(f"load: {len(records)} deliveries in {time.monotonic() - started:.1f}s, {answered} answered, "
        f"{len(records) - answered} cut off by a kill")
    if exhausted.is_set():
        log(f"load: all {args.targets} targets were used before the kills ended; raise CRASH_TEST_TARGETS")
        sys.exit(3)


# --- resend ----------------------------------------------------------------------------------------------


def command_resend(args):
    signer = Signer(os.environ[args.secret_env])
    with open(args.load, encoding="utf-8") as source:
        deliveries = json.load(source)["records"]
    before = simulator_stats(args.simulator)
    # (not before, delivery, result): a delivery answered 409 goes to the back of the queue, so a claim left
    # by a kill (it blocks its key until it is stale) holds up no other delivery.
    queue = collections.deque((0.0, d, None) for d in deliveries)
    lock = threading.Lock()
    results = {}
    started = time.monotonic()
    deadline = started + args.deadline_seconds

    def take():
        with lock:
            for _ in range(len(queue)):
                item = queue.popleft()
                if item[0] <= time.monotonic():
                    return item
                queue.append(item)
            return None if not queue else "wait"

    def worker():
        while True:
            item = take()
            if item is None:
                return
            if item == "wait":
                time.sleep(0.1)
                continue
            _, delivery, result = item
            if result is None:
                result = {"delivery_id": delivery["delivery_id"], "target": delivery["target"], "conflicts": 0,
                          "errors": 0, "status": None, "error": None}
            body = delivery_body(delivery["target"])
            kind, answer = post_delivery(args.gateway, signer, delivery["delivery_id"], body, args.timeout)
            if kind == "answer" and answer["status"] == 409 and answer["error_code"] == "delivery_in_flight":
                # A claim left by a killed process (stale after store.stale_claim_seconds); retry unchanged
                # later, as the answer says.
                result["conflicts"] += 1
                retry = True
            elif kind == "answer":
                result.update(answer)
                retry = False
            else:
                # No kills now: a refused or broken connection is a failure, retried a few times.
                result["errors"] += 1
                result["error"] = answer or "connection refused"
                retry = result["errors"] < 5
            if retry and time.monotonic() > deadline:
                result["error"] = f"still unresolved after {args.deadline_seconds}s ({result['conflicts']} x 409)"
                retry = False
            with lock:
                if retry:
                    queue.append((time.monotonic() + args.retry_interval, delivery, result))
                else:
                    results[delivery["delivery_id"]] = result

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(args.deadline_seconds + 3 * args.timeout)
    after = simulator_stats(args.simulator)
    records = [results[d["delivery_id"]] for d in deliveries if d["delivery_id"] in results]
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump({"records": records, "stats_before": before, "stats_after": after,
                   "seconds": time.monotonic() - started}, out)
    replayed = sum(1 for record in records if record.get("replayed"))
    conflicts = sum(1 for record in records if record["conflicts"])
    log(f"resend: {len(records)} deliveries in {time.monotonic() - started:.1f}s, {replayed} replayed, "
        f"{conflicts} waited out a 409 left by a kill")


# --- self-test -----------------------------------------------------------------------------------------


def command_break_audit(args):
    """Self-test of the crash test: removes the applied record of one answered delivery, as an intruder with
    write access to the file could (dropping the append-only trigger first). Both the chain check and the
    every-2xx-is-audited check must then fail."""
    with open(args.load, encoding="utf-8") as source:
        answered = [r for r in json.load(source)["records"] if r["status"] == 200 and r.get("request_id")]
    if not answered:
        sys.exit("break-audit: no answered delivery to break")
    victim = answered[len(answered) // 2]["request_id"]
    connection = sqlite3.connect(args.store, timeout=30)
    with connection:
        connection.execute("DROP TRIGGER IF EXISTS audit_is_append_only_delete")
        deleted = connection.execute(
            "DELETE FROM audit WHERE request_id = ? AND decision IN ('applied', 'already_in_state')", (victim,)
        ).rowcount
    connection.close()
    log(f"CRASH_TEST_BREAK=audit-row: deleted {deleted} audit record(s) of request {victim}")


# --- check -----------------------------------------------------------------------------------------------


def command_check(args):
    with open(args.load, encoding="utf-8") as source:
        load = json.load(source)
    with open(args.resend, encoding="utf-8") as source:
        resend = json.load(source)
    audit = []
    with open(args.audit, encoding="utf-8") as source:
        for number, line in enumerate(source, 1):
            if line.strip():
                try:
                    audit.append(json.loads(line))
                except ValueError:
                    sys.exit(f"crash-test: line {number} of the audit export is not JSON: {line[:200]!r}")

    violations = []

    def violate(kind, message):
        violations.append((kind, message))

    deliveries = load["records"]
    by_id = {d["delivery_id"]: d for d in deliveries}
    resent = {r["delivery_id"]: r for r in resend["records"]}
    stats_load = load["stats_after"]
    stats_before_resend, stats_after_resend = resend["stats_before"], resend["stats_after"]

    def calls(stats, target):
        return stats.get("calls_by_operation", {}).get(f"enable {KIND} {target}", 0)

    # Audit records by request id.
    by_request = {}
    for record in audit:
        for key in ("request_id", "delivery_id", "decision"):
            if key not in record:
                sys.exit(f"crash-test: the audit export has no '{key}' field: {json.dumps(record)[:200]}")
        by_request.setdefault(record["request_id"], []).append(record)
    decisions = {}
    for record in audit:
        decisions[record["decision"]] = decisions.get(record["decision"], 0) + 1

    def audited(request_id, delivery_id, outcome, what):
        records = [r for r in by_request.get(request_id, []) if r["decision"] in OK_DECISIONS]
        if not records:
            found = sorted({r["decision"] for r in by_request.get(request_id, [])}) or "none"
            violate("audit", f"{what}: 2xx request {request_id} ({delivery_id}) has no applied/already_in_state "
                             f"audit record (records with that id: {found})")
            return
        record = records[-1]
        if record.get("delivery_id") != delivery_id:
            violate("audit", f"{what}: audit record of {request_id} names delivery {record.get('delivery_id')}, "
                             f"not {delivery_id}")
        if outcome is not None and record.get("outcome") not in (None, outcome):
            violate("audit", f"{what}: audit record of {request_id} says outcome {record.get('outcome')}, "
                             f"the answer said {outcome}")

    # (0) The load: every delivery either answered 200 or was cut off by a kill.
    answered = [d for d in deliveries if d["status"] is not None]
    cut = [d for d in deliveries if d["status"] is None]
    load_2xx = [d for d in answered if 200 <= d["status"] < 300]
    for d in answered:
        if d["status"] != 200:
            violate("load", f"{d['delivery_id']}: the load got HTTP {d['status']} ({d.get('error_code')}): "
                            f"{d.get('body_excerpt', '')[:200]}")
        elif d.get("outcome") not in OK_OUTCOMES:
            violate("load", f"{d['delivery_id']}: 200 with outcome {d.get('outcome')}")
    if args.kills > 0 and not cut:
        violate("load", f"none of the {args.kills} kills cut off a request in flight: the run proved nothing")

    # (a) Every 2xx has its audit record, with the same request id.
    for d in load_2xx:
        audited(d["request_id"], d["delivery_id"], d.get("outcome"), "load")

    double = set()  # deliveries acted on twice, or with more Segura calls than their answers account for

    # (b) Re-sending every delivery converges: 200 each, a replay or a fresh act that ends applied/already.
    replays = lost_answers = acted_again = applied_again = already_again = waited_409 = 0
    for d in deliveries:
        r = resent.get(d["delivery_id"])
        if r is None:
            violate("resend", f"{d['delivery_id']}: never re-sent")
            continue
        waited_409 += 1 if r["conflicts"] else 0
        if r["status"] != 200:
            violate("resend", f"{d['delivery_id']}: re-send ended with "
                              f"{r['status'] if r['status'] is not None else r['error']} "
                              f"({r.get('error_code')}) after {r['conflicts']} x 409")
            continue
        if r["replayed"]:
            replays += 1
            lost_answers += d["status"] is None
            # The stored answer of the act it replays: an applied/already_in_state record with its request id.
            audited(r["request_id"], d["delivery_id"], r.get("outcome"), "resend (replayed)")
            if d["status"] == 200 and (r["request_id"] != d["request_id"] or r["body_sha256"] != d["body_sha256"]):
                violate("resend", f"{d['delivery_id']}: the replay is not the stored answer "
                                  f"(request {r['request_id']} vs {d['request_id']})")
        else:
            acted_again += 1
            if r.get("outcome") not in OK_OUTCOMES:
                violate("resend", f"{d['delivery_id']}: fresh act ended with outcome {r.get('outcome')}")
            else:
                applied_again += r["outcome"] == "applied"
                already_again += r["outcome"] == "already_in_state"
            audited(r["request_id"], d["delivery_id"], r.get("outcome"), "resend")
            if d["status"] == 200:
                violate("resend", f"{d['delivery_id']}: answered 200 in the load, yet the re-send acted again "
                                  f"instead of replaying (request {r['request_id']})")
                double.add(d["delivery_id"])

    # (c) No double action, by the simulator's count of Segura calls per target.
    load_calls = resend_calls = 0
    reached_before_kill = 0
    for d in deliveries:
        target = d["target"]
        in_load = calls(stats_load, target)
        before = calls(stats_before_resend, target)
        after = calls(stats_after_resend, target)
        in_resend = after - before
        load_calls += in_load
        resend_calls += in_resend
        if before != in_load:
            violate("double", f"target {target}: {before - in_load} Segura call(s) between the load and the re-send")
            double.add(d["delivery_id"])
        if d["status"] == 200 and in_load != d.get("attempts"):
            violate("double", f"target {target}: {in_load} Segura calls in the load for one delivery that "
                              f"answered attempts={d.get('attempts')}")
            double.add(d["delivery_id"])
        if d["status"] is None and in_load:
            reached_before_kill += 1
        r = resent.get(d["delivery_id"])
        if r is None or r["status"] != 200:
            continue
        # A delivery answered 2xx is done: re-sending it must not reach Segura, whatever the answer claims.
        done = r["replayed"] or d["status"] == 200
        expected = 0 if done else r.get("attempts")
        if in_resend != expected:
            why = ("it was answered 200 in the load" if d["status"] == 200 else "a replay calls nobody") if done \
                else "its answer's attempts"
            violate("double", f"target {target}: {in_resend} Segura call(s) during the re-send of "
                              f"{d['delivery_id']}, expected {expected} ({why})")
            double.add(d["delivery_id"])
        if r["replayed"] and d["status"] is None and in_load != r.get("attempts"):
            violate("double", f"target {target}: {in_load} Segura calls in the load for one delivery whose "
                              f"stored answer says attempts={r.get('attempts')}")
            double.add(d["delivery_id"])
        if not r["replayed"] and r.get("outcome") in OK_OUTCOMES:
            # Segura's own truth: a delivery whose call reached Segura before the kill must find it done.
            truth = "already_in_state" if in_load else "applied"
            if r["outcome"] != truth:
                violate("double", f"target {target}: the re-send says {r['outcome']}, but Segura saw {in_load} "
                                  f"call(s) for it before, so it should say {truth}")
    targets = {d["target"] for d in deliveries}
    for key, count in stats_after_resend.get("calls_by_operation", {}).items():
        parts = key.split()
        if len(parts) != 3 or parts[0] != "enable" or parts[1] != KIND or int(parts[2]) not in targets:
            violate("double", f"Segura got {count} call(s) for '{key}', which no delivery asked for")
    total_load_calls = stats_load["api_calls"]
    total_resend_calls = stats_after_resend["api_calls"] - stats_before_resend["api_calls"]
    if total_resend_calls != resend_calls:
        violate("double", f"the re-send caused {total_resend_calls} Segura calls in all but {resend_calls} "
                          f"on the delivered targets")
    expected_resend_calls = sum(r.get("attempts") or 0 for r in resend["records"]
                                if r["status"] == 200 and not r["replayed"] and by_id[r["delivery_id"]]["status"] != 200)
    if total_resend_calls != expected_resend_calls:
        violate("double", f"the re-send caused {total_resend_calls} Segura calls; only the deliveries cut off by "
                          f"a kill may call Segura, and they reported {expected_resend_calls} attempts")

    # Each delivery has a target of its own, so two calls on one target at the same time would be one delivery
    # acted on twice at once (a claim taken over while its first attempt still runs). Newer simulators count it.
    per_item = stats_after_resend.get("max_concurrent_calls_per_item")
    if per_item is not None and per_item > 1:
        violate("double", f"the simulator saw {per_item} concurrent Segura calls on one target; each target "
                          f"belongs to one delivery, so one delivery was acted on twice at once")

    # Segura's state: every delivered target enabled, exactly once.
    applied_changes = stats_after_resend["applied_changes"]
    if applied_changes != len(targets):
        violate("state", f"the simulator applied {applied_changes} changes for {len(targets)} targets")
    host, port = split_url(args.simulator)
    connection = http.client.HTTPConnection(host, port, timeout=10)
    inactive = []
    try:
        for target in sorted(targets):
            connection.request("GET", f"/_simulator/objects/{KIND}/{target}")
            response = connection.getresponse()
            state = json.loads(response.read()).get("state")
            if state != "active":
                inactive.append((target, state))
    finally:
        connection.close()
    for target, state in inactive[:20]:
        violate("state", f"target {target} is {state} after the re-send, not active")

    # The summary.
    accepted = {r["request_id"] for r in audit if r["decision"] == "accepted"}
    finished = {r["request_id"] for r in audit if r["decision"] != "accepted"}
    lines = [
        ("deliveries sent (load)", len(deliveries)),
        ("  connection refused while down, sent again", sum(d["refused"] for d in deliveries)),
        ("  answered 2xx", len(load_2xx)),
        ("  cut off by SIGKILL (in flight)", len(cut)),
        ("    of which had reached Segura", reached_before_kill),
        ("gateway kills (SIGKILL) / restarts", f"{args.kills} / {args.kills}"),
        ("audit verify runs / failed", f"{args.verify_runs} / {args.verify_failures}"),
        ("audit records", len(audit)),
        ("  by decision", ", ".join(f"{k} {v}" for k, v in sorted(decisions.items()))),
        ("  accepted with no decision (cut by a kill)", len(accepted - finished)),
        ("re-sent deliveries", len(resend["records"])),
        ("  replayed (Idempotent-Replayed: true)", replays),
        ("    of which the load's answer was lost to a kill", lost_answers),
        ("  acted again (first attempt cut off)", f"{acted_again} (applied {applied_again}, "
                                                   f"already_in_state {already_again})"),
        ("  waited out a 409 delivery_in_flight", waited_409),
        ("Segura calls: load / re-send", f"{total_load_calls} / {total_resend_calls}"),
        ("most concurrent Segura calls on one target", "n/a (older simulator)" if per_item is None else per_item),
        ("simulator applied_changes / targets", f"{applied_changes} / {len(targets)}"),
        ("targets active at the end", len(targets) - len(inactive)),
        ("double actions", len(double)),
        ("load / re-send seconds", f"{load['seconds']:.1f} / {resend['seconds']:.1f}"),
        ("wall time after the build, seconds", round(time.time() - args.started_at)),
    ]
    print()
    print("crash test summary")
    for label, value in lines:
        print(f"  {label:<50} {value}")
    print()
    if violations:
        kinds = {}
        for kind, message in violations:
            kinds.setdefault(kind, []).append(message)
        titles = {"load": "the load", "audit": "every 2xx has its audit record", "resend": "the re-send converges",
                  "double": "no double action", "state": "Segura's final state"}
        print(f"crash-test: FAILED: {len(violations)} violation(s) of {len(kinds)} propert"
              f"{'y' if len(kinds) == 1 else 'ies'}:", file=sys.stderr)
        for kind, messages in kinds.items():
            print(f"  {titles.get(kind, kind)}: {len(messages)} violation(s)", file=sys.stderr)
            for message in messages[:5]:
                print(f"    - {message}", file=sys.stderr)
            if len(messages) > 5:
                print(f"    - ... and {len(messages) - 5} more", file=sys.stderr)
        sys.exit(1)


# --- main ------------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    seed = commands.add_parser("seed")
    seed.add_argument("--count", type=int, required=True)
    seed.add_argument("--out", required=True)

    latency = commands.add_parser("latency")
    latency.add_argument("--simulator", required=True)
    latency.add_argument("--min", type=int, default=200)
    latency.add_argument("--max", type=int, default=400)
    latency.add_argument("--rules", type=int, default=300)
    latency.add_argument("--block", type=int, default=10)
    latency.add_argument("--seed", type=int, default=None)

    load = commands.add_parser("load")
    load.add_argument("--gateway", required=True)
    load.add_argument("--simulator", required=True)
    load.add_argument("--secret-env", required=True)
    load.add_argument("--targets", type=int, required=True)
    load.add_argument("--threads", type=int, default=16)
    load.add_argument("--stop-file", required=True)
    load.add_argument("--max-seconds", type=float, default=90)
    load.add_argument("--timeout", type=float, default=20)
    load.add_argument("--run-id", required=True)
    load.add_argument("--out", required=True)

    resend = commands.add_parser("resend")
    resend.add_argument("--gateway", required=True)
    resend.add_argument("--simulator", required=True)
    resend.add_argument("--secret-env", required=True)
    resend.add_argument("--load", required=True)
    resend.add_argument("--threads", type=int, default=8)
    resend.add_argument("--deadline-seconds", type=float, default=100)
    resend.add_argument("--retry-interval", type=float, default=2.0)
    resend.add_argument("--timeout", type=float, default=20)
    resend.add_argument("--out", required=True)

    check = commands.add_parser("check")
    check.add_argument("--load", required=True)
    check.add_argument("--resend", required=True)
    check.add_argument("--audit", required=True)
    check.add_argument("--simulator", required=True)
    check.add_argument("--kills", type=int, required=True)
    check.add_argument("--verify-runs", type=int, required=True)
    check.add_argument("--verify-failures", type=int, required=True)
    check.add_argument("--started-at", type=float, required=True)

    breaker = commands.add_parser("break-audit")
    breaker.add_argument("--store", required=True)
    breaker.add_argument("--load", required=True)

    args = parser.parse_args()
    {
        "seed": command_seed,
        "latency": command_latency,
        "load": command_load,
        "resend": command_resend,
        "check": command_check,
        "break-audit": command_break_audit,
    }[args.command](args)


if __name__ == "__main__":
    main()
