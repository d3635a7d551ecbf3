#!/usr/bin/env python3
"""The load of scripts/profile-requests: signed POST /v1/actions over keep-alive connections, in two phases.

Opens CONNECTIONS HTTP/1.1 connections to the gateway, one thread each, and sends WARMUP requests over them;
then writes READY_FILE and waits for GO_FILE (the script switches callgrind's instrumentation on in
between), and sends REQUESTS more over the same connections. Request i of a phase goes out on connection
i mod CONNECTIONS and names MySafe password FIRST + i mod COUNT, so the requests in flight at once name
different targets (the gateway runs one change per target at a time). Every request is a fresh delivery:

    --scheme webhooks  caller servicenow: Standard Webhooks, a new webhook-id per request, signed with the
                       whsec_ secret in PROFILE_WEBHOOK_SECRET when it is sent
    --scheme static    caller jira-automation: Authorization: Bearer PROFILE_STATIC_TOKEN

Secrets come from the environment, never argv. Writes a JSON summary of each phase to OUT (status counts,
outcomes, reconnections, seconds) and exits 1 if any request got no answer or a non-2xx one.

    load.py --url URL --out OUT --ready-file F --go-file F [--connections 8] [--warmup 300] [--requests 3000]
            [--first 1000] [--count 1000] [--scheme webhooks|static] [--go-timeout 600]
"""

import argparse
import base64
import collections
import hashlib
import hmac
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse
import uuid

BODY = '{{"action":"enable","target":{{"kind":"password","id":{id}}},"ticket":"CHG0012345","requested_by":"profile"}}'


class Phase:
    """What one phase's threads saw; updated under a lock."""

    def __init__(self, name):
        self.name = name
        self.lock = threading.Lock()
        self.statuses = collections.Counter()
        self.outcomes = collections.Counter()
        self.unanswered = 0  # requests with no answer, after the one retry on a fresh connection
        self.examples = []  # the first few failures, unanswered or non-2xx
        self.reconnects = 0
        self.seconds = 0.0

    def summary(self):
        total = sum(self.statuses.values())
        non_2xx = sum(n for status, n in self.statuses.items() if not 200 <= status < 300)
        return {
            "phase": self.name,
            "requests": total,
            "ok_2xx": total - non_2xx,
            "non_2xx": non_2xx,
            "no_answer": self.unanswered,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "outcomes": dict(sorted(self.outcomes.items())),
            "reconnects": self.reconnects,
            "seconds": round(self.seconds, 3),
            "first_failures": self.examples,
        }


class Client:
    """One keep-alive connection and the thread that drives it."""

    def __init__(self, args, index, key, token, prefix):
        self.args, self.index, self.key, self.token, self.prefix = args, index, key, token, prefix
        parts = urllib.parse.urlsplit(args.url)
        self.host, self.port = parts.hostname, parts.port
        self.connection = None
        self.sent = 0

    def connect(self):
        if self.connection is not None:
            self.connection.close()
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.args.timeout)
        self.connection.connect()

    def headers(self, body):
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.args.scheme == "static":
            headers["Authorization"] = f"Bearer {self.token}"
            return headers
        # A new delivery id per attempt: a resend after a lost answer must not be a replay either.
        self.sent += 1
        delivery = f"msg_{self.prefix}_{self.index}_{self.sent}"
        timestamp = str(int(time.time()))
        mac = hmac.new(self.key, f"{delivery}.{timestamp}.".encode() + body, hashlib.sha256).digest()
        headers.update({"webhook-id": delivery, "webhook-timestamp": timestamp,
                        "webhook-signature": "v1," + base64.b64encode(mac).decode()})
        return headers

    def send(self, phase, target):
        body = BODY.format(id=target).encode()
        for attempt in range(2):
            try:
                if self.connection is None:
                    self.connect()
                self.connection.request("POST", "/v1/actions", body=body, headers=self.headers(body))
                response = self.connection.getresponse()
                answer = response.read()
                if response.will_close:
                    self.connection.close()
                    self.connection = None
                break
            except (http.client.HTTPException, OSError) as error:
                with phase.lock:
                    phase.reconnects += 1
                self.connection = None
                if attempt == 1:
                    with phase.lock:
                        phase.unanswered += 1
                        if len(phase.examples) < 3:
                            phase.examples.append(f"password {target}: no answer: {error!r}")
                    return
        try:
            outcome = json.loads(answer).get("outcome", "-")
        except ValueError:
            outcome = "unreadable"
        with phase.lock:
            phase.statuses[response.status] += 1
            phase.outcomes[outcome] += 1
            if not 200 <= response.status < 300 and len(phase.examples) < 3:
                phase.examples.append(f"password {target}: {response.status} {answer[:300]!r}")

    def run(self, phase, total, start_barrier):
        start_barrier.wait()
        for i in range(self.index, total, self.args.connections):
            self.send(phase, self.args.first + i % self.args.count)


def run_phase(clients, name, total):
    phase = Phase(name)
    barrier = threading.Barrier(len(clients) + 1)
    threads = [threading.Thread(target=c.run, args=(phase, total, barrier), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.monotonic()
    for thread in threads:
        thread.join()
    phase.seconds = time.monotonic() - started
    return phase


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--go-file", required=True)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--first", type=int, default=1000)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--scheme", choices=["webhooks", "static"], default="webhooks")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--go-timeout", type=float, default=600.0)
    args = parser.parse_args()

    key = token = None
    if args.scheme == "webhooks":
        secret = os.environ["PROFILE_WEBHOOK_SECRET"]
        if not secret.startswith("whsec_"):
            sys.exit("load.py: PROFILE_WEBHOOK_SECRET is not a whsec_ secret")
        key = base64.b64decode(secret[len("whsec_"):], validate=True)
    else:
        token = os.environ["PROFILE_STATIC_TOKEN"]
    prefix = uuid.uuid4().hex[:12]
    clients = [Client(args, index, key, token, prefix) for index in range(args.connections)]
    for client in clients:
        client.connect()

    phases = [run_phase(clients, "warmup", args.warmup)]
    with open(args.ready_file, "w") as ready:
        ready.write(json.dumps(phases[0].summary()) + "\n")
    deadline = time.monotonic() + args.go_timeout
    while not os.path.exists(args.go_file):
        if time.monotonic() > deadline:
            sys.exit("load.py: no go signal for the measured phase")
        time.sleep(0.05)
    phases.append(run_phase(clients, "measured", args.requests))
    for client in clients:
        if client.connection is not None:
            client.connection.close()

    summaries = [phase.summary() for phase in phases]
    with open(args.out, "w") as out:
        json.dump(summaries, out, indent=2)
    bad = [s for s in summaries if s["non_2xx"] or s["no_answer"] or s["requests"] + s["no_answer"] == 0]
    for s in summaries:
        print(f"load.py: {s['phase']}: {s['requests']} answered ({s['ok_2xx']} 2xx, {s['non_2xx']} non-2xx), "
              f"{s['no_answer']} unanswered, {s['reconnects']} reconnections, {s['seconds']:.1f} s", file=sys.stderr)
        for failure in s["first_failures"]:
            print(f"load.py:   {failure}", file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
