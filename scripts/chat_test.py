#!/usr/bin/env python3
"""End-to-end test of the chat routes with real processes, run by scripts/chat-test (which installs slack_sdk).

Slack, Microsoft Teams and Mattermost call the gateway themselves; here this script plays each platform, signing
as the platform does: Slack requests with the official Slack SDK's signer
(`slack_sdk.signature.SignatureVerifier.generate_signature`, each checked with its `is_valid`), a Teams outgoing
webhook as Microsoft's sample signs it ("HMAC " + base64 HMAC-SHA256 over the UTF-8 body, keyed with the
base64-decoded security token), Mattermost with its static token in `Authorization: Token …` and the `token`
field. Every payload carries the fields the platform documents. All on 127.0.0.1, in one temporary directory:

  - segura-simulator --port 0 with inactive credentials 1..99; slowness is a latency fault on one enable;
  - segura-gateway serve on a free port with three chat callers (slack-ops, teams-ops, mattermost-ops) mapping
    the person alice (and bob, with a narrower policy, on Slack), a Standard Webhooks grant callback on slack-ops,
    grants.retry_initial_seconds 1; secrets are env: references;
  - three recording HTTP servers (threads): the response_url of Slack and Mattermost, the Teams incoming webhook,
    and the grant callback. Each records every POST (path, headers, JSON body, the status it answered) and can be
    told to answer 500 on a path.

Scenarios, each printing a figure line; any violation fails the run (exit 1):

  1 slow Segura, Slack   5 s latency on one enable: the answer comes within 3 s and says "Working on it"; one
                         follow-up reaches response_url: in_channel, Block Kit, "Enabled credential N" and the
                         grant (the one grant.created announced); one enable call reached Segura.
  2 SIGKILL              response_url answers 500 and Segura takes 3 s; once Segura was called and the outcome is
                         recorded (its reply is in callback_outbox) and one attempt failed, SIGKILL; response_url
                         answers 200; restart on the same store: the reply is delivered once with 2xx, one enable
                         call, `audit verify` passes; the same trigger_id again (signed anew) replays, no new call.
  3 Teams                6 s latency: "Working on it" card within 5 s, the result card on the incoming webhook;
                         a fast one is answered inline with the card and nothing is posted.
  4 Mattermost           token in the header: grants and an enable inline; a slow enable follows on response_url.
  5 refusals             unknown user (chat_user_unknown, audited as unmapped), wrong Slack signature (401), stale
                         Slack timestamp (401 stale_timestamp), a replayed trigger_id (replay), a mention-only Teams
                         text and an empty Slack text ("the command is empty"), bob outside his policy
                         (person_not_allowed), a wrong Mattermost token (401): Segura's call count does not move.
  6 grants and revoke    enable, `grants` lists it, `revoke <grant id>` disables it (one disable call), and the
                         grant callback's grant.revoked (signature checked) has the reply's grant id and state.

At the end: no follow-up path got more than one 2xx delivery, the simulator saw one enable per credential, and
`segura-gateway audit verify --store` passes.

Environment: SEGURA_GATEWAY_BIN, SEGURA_SIMULATOR_BIN (required), CHAT_TEST_TIMEOUT_SECONDS (180, then the run is
abandoned), CHAT_TEST_KEEP_DIR (copy the configuration, logs, store and recorded posts there).
"""

import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

from crash_test import http_json
from grant_restart_test import (Failure, Processes, arm_deadline, audit_command, exit_with, free_port, keep_and_remove, log,
                                log_tails, now_ms)

try:
    from slack_sdk.signature import SignatureVerifier
except ImportError:  # scripts/chat-test installs it; say so rather than a traceback
    print("chat-test: slack_sdk is not installed: run scripts/chat-test, which installs it in .build-tools/",
          file=sys.stderr)
    sys.exit(2)

KIND = "credential"
TICKET = "CHG0012345"
SLACK_TEAM = "T0001"
ALICE_SLACK, BOB_SLACK, STRANGER_SLACK = "U0ALICE01", "U0BOB0001", "U0STRANGER"
ALICE_TEAMS = "6f1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8"
TEAMS_CHANNEL = "19:253b1f341670408fb6fe51050b6e5ceb@thread.skype"
TEAMS_TEAM = "19:712c61d0ef384e5fa681ba90ca943398@thread.skype"
TEAMS_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
ALICE_MATTERMOST = "erj6qck3rfgtujs86w5r6rckzh"
SLACK_DEADLINE_S, TEAMS_DEADLINE_S = 3.0, 5.0
WORKING = "Working on it"


# --- the platforms' side: recording servers -------------------------------------------------------------------


class Recorder:
    """An HTTP server on 127.0.0.1 that records every POST; answers 200, or the status set for a path."""

    def __init__(self, name):
        self.name = name
        self.posts = []
        self.statuses = {}
        self.changed = threading.Condition()
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with recorder.changed:
                    status = recorder.statuses.get(self.path, 200)
                try:
                    parsed = json.loads(raw)
                except ValueError:
                    parsed = None
                with recorder.changed:  # recorded before the sender can see the answer
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    recorder.posts.append({"path": self.path, "headers": headers, "raw": raw.decode("utf-8", "replace"),
                                           "json": parsed, "status": status, "at_ms": now_ms()})
                    recorder.changed.notify_all()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *_):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True, name=name).start()

    def answer(self, path, status):
        with self.changed:
            self.statuses[path] = status

    def on(self, path):
        with self.changed:
            return [p for p in self.posts if p["path"] == path]

    def wait(self, predicate, timeout):
        """The posts that match, once there is one (or [] after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                found = [p for p in self.posts if predicate(p)]
                left = deadline - time.monotonic()
                if found or left <= 0:
                    return found
                self.changed.wait(left)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# --- the platforms' side: payloads and signatures -------------------------------------------------------------


def trigger_id():
    """A Slack-style trigger_id (13345224609.738474920.8088930838d88f008e0); Mattermost uses the same field."""
    return f"{secrets.randbelow(10**11):011d}.{secrets.randbelow(10**9):09d}.{secrets.token_hex(11)[:21]}"


def slack_command(user, text, response_url, trigger, user_name="alice"):
    """A slash-command body with every field Slack documents (api.slack.com/interactivity/slash-commands)."""
    return urllib.parse.urlencode([
        ("token", "gIkuvaNzQIHg97ATvDxqgjtO"), ("team_id", SLACK_TEAM), ("team_domain", "example"),
        ("enterprise_id", "E0001"), ("enterprise_name", "Globular Construct Inc"), ("channel_id", "C2147483705"),
        ("channel_name", "ops"), ("user_id", user), ("user_name", user_name), ("command", "/segura"), ("text", text),
        ("response_url", response_url), ("trigger_id", trigger), ("api_app_id", "A123456"),
    ]).encode()


def teams_activity(text, activity_id=None, aad_object_id=ALICE_TEAMS):
    """An outgoing-webhook message Activity with the members Microsoft documents, the webhook mentioned."""
    activity_id = activity_id or str(1485983408511 + secrets.randbelow(10**9))
    now = time.time()
    return json.dumps({
        "type": "message", "id": activity_id,
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now)),
        "localTimestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000+00:00", time.gmtime(now)),
        "serviceUrl": "https://smba.trafficmanager.net/amer/", "channelId": "msteams",
        "from": {"id": "29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkHilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw",
                 "name": "Alice", "aadObjectId": aad_object_id},
        "conversation": {"isGroup": True, "id": f"{TEAMS_CHANNEL};messageid={activity_id}", "name": None,
                         "conversationType": "channel", "tenantId": TEAMS_TENANT},
        "recipient": {"id": "null", "name": "null"}, "textFormat": "plain", "text": text,  # as Microsoft's sample
        "attachments": [{"contentType": "text/html",
                         "content": "<div><span itemscope itemtype=\"http://schema.skype.com/Mention\" itemid=\"0\">"
                                    "Segura</span>&nbsp;" + text.split("</at>", 1)[-1] + "</div>"}],
        "entities": [{"type": "mention", "text": "<at>Segura</at>",
                      "mentioned": {"id": "28:c9e8c047-2a74-40a2-b28a-b162d5f5327c", "name": "Segura"}},
                     {"type": "clientInfo", "locale": "en-US", "country": "US", "platform": "Web"}],
        "channelData": {"teamsChannelId": TEAMS_CHANNEL, "teamsTeamId": TEAMS_TEAM, "channel": {"id": TEAMS_CHANNEL},
                        "team": {"id": TEAMS_TEAM}, "tenant": {"id": TEAMS_TENANT}},
    }, separators=(",", ":"))


def teams_authorization(token, payload):
    """Microsoft's outgoing-webhook sample: HMAC-SHA256 keyed with the base64-decoded security token over the
    UTF-8 payload, as "HMAC <base64>"."""
    mac = hmac.new(base64.b64decode(token), payload.encode("utf-8"), hashlib.sha256).digest()
    return "HMAC " + base64.b64encode(mac).decode()


def mattermost_command(user, text, response_url, trigger, token):
    """A slash-command body with the fields Mattermost documents (developers.mattermost.com, custom commands)."""
    return urllib.parse.urlencode([
        ("channel_id", "fukxanjgjbnp7ng383at53k1sy"), ("channel_name", "town-square"), ("command", "/segura"),
        ("response_url", response_url), ("team_domain", "team-awesome"), ("team_id", "wx4zz8t4ttgmtxqiwfohijayzc"),
        ("text", text), ("token", token), ("trigger_id", base64.b64encode(trigger.encode()).decode()),
        ("user_id", user), ("user_name", "alice"),
    ]).encode()


# --- the run ------------------------------------------------------------------------------------------------------


class ChatRun:
    logs = ("gateway.log", "gateway-restart.log", "simulator.log")
    segura_timing = {"connect_timeout_seconds": 5, "request_timeout_seconds": 15, "deadline_seconds": 20,
                     "max_attempts": 3}
    stale_claim_seconds = 30  # more than segura.deadline_seconds, as the gateway requires

    def __init__(self, work, gateway_bin, simulator_bin):
        self.work, self.gateway_bin, self.simulator_bin = work, gateway_bin, simulator_bin
        self.violations, self.figures = [], []
        self.slack_secret = secrets.token_hex(16)
        self.teams_token = base64.b64encode(os.urandom(32)).decode()
        self.mattermost_token = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(26))
        self.callback_secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
        self.slack_verifier = SignatureVerifier(signing_secret=self.slack_secret)
        self.replies = Recorder("response_url")
        self.teams_webhook = Recorder("teams-webhook")
        self.callbacks = Recorder("grant-callback")
        self.teams_webhook_path = f"/workflows/{secrets.token_hex(8)}/triggers/manual/paths/invoke"
        overriding = ("HTTP_", "LOG_", "STORE_", "SEGURA_", "GRANTS_", "CALLERS_")
        environment = {k: v for k, v in os.environ.items() if not k.startswith(overriding)}
        client_secret = secrets.token_urlsafe(24)
        environment.update(
            CHAT_TEST_SLACK_SIGNING_SECRET=self.slack_secret, CHAT_TEST_TEAMS_TOKEN=self.teams_token,
            CHAT_TEST_MATTERMOST_TOKEN=self.mattermost_token, CHAT_TEST_CALLBACK_SECRET=self.callback_secret,
            CHAT_TEST_TEAMS_WEBHOOK=self.teams_webhook.url + self.teams_webhook_path,
            SEGURA_CLIENT_SECRET=client_secret, SEGURA_SIMULATOR_CLIENT_SECRET=client_secret)
        self.processes = Processes(work, environment)
        self.store = os.path.join(work, "gateway.sqlite")
        self.config = os.path.join(work, "gateway.yaml")
        self.simulator = self.gateway = None

    # --- checks and figures

    def expect(self, scenario, condition, message):
        if not condition:
            self.violations.append((scenario, message))
            log(f"VIOLATION in {scenario}: {message}")
        return condition

    def expect_unlogged(self, scenario, capabilities):
        """Follow-up URLs are capabilities and secrets are secrets: neither, nor any of `capabilities`, may reach a
        gateway log."""
        capabilities = capabilities + [p["path"] for p in self.replies.posts] + [
            self.slack_secret, self.teams_token, self.mattermost_token, self.callback_secret[len("whsec_"):]]
        for log_name in self.logs:
            path = os.path.join(self.work, log_name)
            if not log_name.startswith("gateway") or not os.path.exists(path):
                continue
            with open(path, encoding="utf-8", errors="replace") as source:
                text = source.read()
            leaked = [c for c in capabilities if c in text]
            self.expect(scenario, not leaked, f"{log_name} shows {len(leaked)} follow-up URL(s) or secret(s)")

    def figure(self, scenario, text):
        self.figures.append((scenario, text))
        log(f"{scenario}: {text}")

    # --- processes

    def write_config(self, port):
        """The settings every run shares, with the timing below, then callers()."""
        timing = "\n".join(f"  {key}: {value}" for key, value in self.segura_timing.items())
        text = f"""\
http: {{host: 127.0.0.1, port: {port}, max_body_bytes: 65536}}
log: {{level: info}}
store: {{path: "{self.store}", delivery_expiry_hours: 24, stale_claim_seconds: {self.stale_claim_seconds}}}
segura:
  base_url: {self.simulator}
  client_id: segura-gateway
  client_secret: env:SEGURA_CLIENT_SECRET
  token_path: /iso/oauth2/token
  api_prefix: /api
{timing}
grants:
  instance_id: chat-test-1
  poll_interval_ms: 100
  retry_initial_seconds: 1       # follow-ups and callbacks retry after 1 s, doubling
  retry_max_seconds: 4
  callback_attempts: 8           # chat replies: at most 5 whatever this says
callers:
{self.callers()}"""
        with open(self.config, "w", encoding="utf-8") as out:
            out.write(text)

    def callers(self):
        reply = self.replies.url
        return f"""\
  slack-ops:
    scheme: slack-v0
    secrets: [env:CHAT_TEST_SLACK_SIGNING_SECRET]
    policy:
      actions: [enable, disable]
      kinds: [credential]
      ids: {{credential: ["1-99"]}}
      ticket_pattern: "CHG[0-9]{{7}}"
      max_duration: PT8H
    callback:
      url: {self.callbacks.url}/grant-events/slack-ops
      secret: env:CHAT_TEST_CALLBACK_SECRET
    chat:
      platform: slack
      reply_url_prefixes: ["{reply}/slack/"]
      people:
        alice: {{user: {SLACK_TEAM}/{ALICE_SLACK}}}
        bob:
          user: {SLACK_TEAM}/{BOB_SLACK}
          policy: {{actions: [enable], kinds: [credential], ids: {{credential: ["41"]}}, max_duration: PT1H}}
  teams-ops:
    scheme: teams-hmac
    secrets: [env:CHAT_TEST_TEAMS_TOKEN]
    policy: {{actions: [enable, disable], kinds: [credential], ids: {{credential: ["1-99"]}}, max_duration: PT8H}}
    chat:
      platform: teams
      incoming_webhook: env:CHAT_TEST_TEAMS_WEBHOOK
      people:
        alice: {{user: {ALICE_TEAMS}}}
  mattermost-ops:
    scheme: static-token
    secrets: [env:CHAT_TEST_MATTERMOST_TOKEN]
    policy: {{actions: [enable, disable], kinds: [credential], ids: {{credential: ["1-99"]}}, max_duration: PT8H}}
    chat:
      platform: mattermost
      reply_url_prefixes: ["{reply}/mattermost/hooks/commands/"]
      people:
        alice: {{user: {ALICE_MATTERMOST}}}
"""

    def start(self):
        seed_path = os.path.join(self.work, "seed.json")
        with open(seed_path, "w", encoding="utf-8") as out:
            json.dump([{"kind": KIND, "id": target, "state": "inactive"} for target in range(1, 100)], out)
        self.simulator = self.processes.start_simulator(self.simulator_bin, seed_path)
        port = free_port()
        self.gateway = f"http://127.0.0.1:{port}"
        self.write_config(port)
        checked = subprocess.run([self.gateway_bin, "check-config", self.config], capture_output=True, text=True,
                                 env=self.processes.environment, check=False)
        if checked.returncode != 0:
            raise Failure(f"check-config refused the configuration: {checked.stdout}{checked.stderr}")
        self.processes.start_gateway(self.gateway_bin, self.config, self.gateway)
        log(f"simulator {self.simulator}, gateway {self.gateway}; response_url server {self.replies.url}, Teams "
            f"webhook {self.teams_webhook.url}, grant callback {self.callbacks.url}")

    def stop(self):
        self.processes.stop()
        for recorder in (self.replies, self.teams_webhook, self.callbacks):
            recorder.stop()

    # --- requests

    def post(self, path, body, headers, timeout=30.0):
        """POST on a new connection: (status, headers, text, JSON or None, seconds until the whole answer)."""
        host, port = urllib.parse.urlsplit(self.gateway).hostname, urllib.parse.urlsplit(self.gateway).port
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        started = time.monotonic()
        try:
            connection.request("POST", path, body=body, headers=dict(headers, Connection="close"))
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        elapsed = time.monotonic() - started
        text = raw.decode("utf-8", "replace")
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        return {"status": response.status, "headers": {k.lower(): v for k, v in response.getheaders()}, "text": text,
                "json": parsed, "seconds": elapsed}

    def slack(self, body, timestamp=None, secret=None):
        """Sends a Slack request signed by the Slack SDK (with another secret when `secret` is given)."""
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        verifier = self.slack_verifier if secret is None else SignatureVerifier(signing_secret=secret)
        signature = verifier.generate_signature(timestamp=timestamp, body=body)
        fresh = abs(time.time() - int(timestamp)) <= 300
        if secret is None and verifier.is_valid(body=body, timestamp=timestamp, signature=signature) != fresh:
            raise Failure("slack_sdk's is_valid disagrees with the signature its generate_signature made")
        return self.post("/v1/chat/slack", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                  "X-Slack-Request-Timestamp": timestamp,
                                                  "X-Slack-Signature": signature})

    def slack_text(self, text, user=ALICE_SLACK, trigger=None):
        """A fresh slash command: (answer, body, response_url path)."""
        path = f"/slack/commands/{SLACK_TEAM}/{secrets.token_hex(6)}/{secrets.token_urlsafe(18)}"
        names = {ALICE_SLACK: "alice", BOB_SLACK: "bob"}
        body = slack_command(user, text, self.replies.url + path, trigger or trigger_id(),
                             user_name=names.get(user, "stranger"))
        return self.slack(body), body, path

    def teams(self, payload, token=None):
        return self.post("/v1/chat/teams", payload.encode("utf-8"), {
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": teams_authorization(token or self.teams_token, payload)})

    def mattermost(self, text, token=None, header_token=True):
        path = f"/mattermost/hooks/commands/{secrets.token_hex(13)}"
        token = token or self.mattermost_token
        body = mattermost_command(ALICE_MATTERMOST, text, self.replies.url + path, trigger_id(), token)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if header_token:
            headers["Authorization"] = f"Token {token}"
        return self.post("/v1/chat/mattermost", body, headers), path

    # --- the simulator and the store

    def slow(self, action, target, milliseconds):
        http_json(self.simulator, "POST", "/_simulator/faults", {"fault": "latency", "latency_ms": milliseconds,
                                                                  "times": 1, "route": "operation", "kind": KIND,
                                                                  "action": action, "id": target})

    def calls(self, action=None, target=None):
        calls = http_json(self.simulator, path="/_simulator/calls")["calls"]
        return [c for c in calls if (action is None or c["action"] == action) and (target is None or c["id"] == target)]

    def query(self, sql, arguments=()):
        connection = sqlite3.connect(f"file:{self.store}?mode=ro", uri=True, timeout=10)
        try:
            return connection.execute(sql, arguments).fetchall()
        finally:
            connection.close()

    def verify_audit(self, label):
        status, line = audit_command(self.gateway_bin, "verify", self.store, os.path.join(self.work, "verify.out"))
        log(f"audit verify {label}: {'ok' if status == 0 else f'FAILED (exit {status})'}: {line}")
        return status == 0, line

    # --- reading messages

    @staticmethod
    def slack_grant(message):
        """The grant id of a Slack message's Revoke button, if it has one."""
        for block in (message or {}).get("blocks") or []:
            for element in block.get("elements") or []:
                if element.get("action_id") == "segura.revoke_grant":
                    return element.get("value")
        return None

    @staticmethod
    def card_texts(message):
        """The texts and facts of a Teams message's Adaptive Card, as one string; None when it is not one."""
        try:
            attachment = message["attachments"][0]
            card = attachment["content"]
            if message["type"] != "message" or attachment["contentType"] != "application/vnd.microsoft.card.adaptive" \
                    or card["type"] != "AdaptiveCard":
                return None
        except (KeyError, IndexError, TypeError):
            return None
        parts = []
        for element in card.get("body", []):
            parts.append(element.get("text") or "")
            parts += [f"{f['title']}: {f['value']}" for f in element.get("facts") or []]
        return "\n".join(parts)

    def wait_for_callback(self, kind, grant_id, seconds=10):
        """The grant callbacks of `kind` for `grant_id` received within `seconds` (events go out several at a
        time, so one transition's may arrive after a later one's)."""
        return self.callbacks.wait(lambda p: (p["json"] or {}).get("type") == kind and p["json"]["grant"]["id"] == grant_id,
                                   seconds)

    def callback_signature_ok(self, post):
        key = base64.b64decode(self.callback_secret[len("whsec_"):])
        headers = post["headers"]
        signed = f"{headers.get('webhook-id')}.{headers.get('webhook-timestamp')}.".encode() + post["raw"].encode()
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        return any(part == "v1," + expected for part in headers.get("webhook-signature", "").split())

    # --- the scenarios

    def scenario_slow_slack(self):
        name, target = "1 slow Segura, Slack", 11
        self.slow("enable", target, 5000)
        sent_at = now_ms()
        answer, body, path = self.slack_text(f"enable credential {target} for ticket {TICKET} for 2h")
        self.scenario_one = {"target": target, "path": path, "body": body}
        answered_at = now_ms()
        self.expect(name, answer["status"] == 200, f"HTTP {answer['status']}: {answer['text'][:300]}")
        self.expect(name, answer["seconds"] < SLACK_DEADLINE_S,
                    f"answered after {answer['seconds']:.2f} s, not within 3 s")
        self.expect(name, WORKING in answer["text"], f"the answer does not say '{WORKING}': {answer['text'][:300]}")
        follow_ups = self.replies.wait(lambda p: p["path"] == path, 20)
        if not self.expect(name, follow_ups, "no follow-up reached response_url within 20 s"):
            return
        time.sleep(1.5)  # a second post would come at once or after the 1 s retry
        follow_ups = self.replies.on(path)
        message = follow_ups[0]["json"] or {}
        grant = self.slack_grant(message)
        self.expect(name, len(follow_ups) == 1, f"{len(follow_ups)} follow-ups reached response_url, expected one")
        self.expect(name, follow_ups[0]["headers"].get("content-type") == "application/json",
                    f"follow-up Content-Type {follow_ups[0]['headers'].get('content-type')}")
        self.expect(name, message.get("response_type") == "in_channel", f"response_type {message.get('response_type')}")
        self.expect(name, isinstance(message.get("blocks"), list) and message["blocks"][0].get("type") == "section",
                    "the follow-up has no Block Kit blocks")
        self.expect(name, f"Enabled credential {target}" in follow_ups[0]["raw"], f"no 'Enabled credential {target}': "
                    f"{follow_ups[0]['raw'][:300]}")
        self.expect(name, message.get("replace_original") is False, "a follow-up must not replace the original")
        self.expect(name, grant and grant in follow_ups[0]["raw"] and "Access ends" in follow_ups[0]["raw"],
                    "the follow-up does not show the grant and its expiry")
        created = self.callbacks.wait(lambda p: (p["json"] or {}).get("type") == "grant.created"
                                      and p["json"]["grant"]["target"]["id"] == target, 10)
        self.expect(name, created and created[0]["json"]["grant"]["id"] == grant,
                    f"grant.created says {[c['json']['grant']['id'] for c in created]}, the follow-up {grant}")
        enables = self.calls("enable", target)
        self.expect(name, len(enables) == 1, f"{len(enables)} enable calls for credential {target}, expected one")
        self.figure(name, f"answer {answer['seconds']:.2f} s ('{WORKING}'); follow-up "
                          f"{(follow_ups[0]['at_ms'] - sent_at) / 1000:.2f} s after the command, "
                          f"{(follow_ups[0]['at_ms'] - answered_at) / 1000:.2f} s after the answer "
                          f"(Segura 5 s); {len(follow_ups)} post, grant {grant}, {len(enables)} enable call")

    def scenario_sigkill(self):
        name, target = "2 SIGKILL before the follow-up", 12
        path = f"/slack/commands/{SLACK_TEAM}/{secrets.token_hex(6)}/{secrets.token_urlsafe(18)}"
        reply_url = self.replies.url + path
        self.replies.answer(path, 500)
        self.slow("enable", target, 3000)
        text = f"enable credential {target} for ticket {TICKET} for 2h"
        body = slack_command(ALICE_SLACK, text, reply_url, trigger_id())
        trigger = urllib.parse.parse_qs(body.decode())["trigger_id"][0]
        answer = self.slack(body)
        self.expect(name, WORKING in answer["text"] and answer["seconds"] < SLACK_DEADLINE_S,
                    f"expected '{WORKING}' within 3 s, got {answer['status']} after {answer['seconds']:.2f} s: "
                    f"{answer['text'][:200]}")
        # Segura called, the outcome (and its reply, same transaction) recorded, one attempt failed and the reply
        # waits for its retry (not leased by an attempt in flight): then the kill.
        deadline, row = time.monotonic() + 20, None
        while time.monotonic() < deadline:
            rows = self.query("SELECT attempts, due_at FROM callback_outbox "
                              "WHERE destination = 'chat_reply' AND url = ?", (reply_url,))
            row = rows[0] if rows else None
            failed = [p for p in self.replies.on(path) if p["status"] == 500]
            if row and failed and row[0] >= 1 and 300 < row[1] - now_ms() < 60_000 and self.calls("enable", target):
                break
            time.sleep(0.02)
        else:
            raise Failure(f"{name}: the reply was not recorded with its outcome and tried once within 20 s (row {row})")
        killed_at = self.processes.kill_gateway()
        rows = self.query("SELECT attempts, due_at FROM callback_outbox WHERE url = ?", (reply_url,))
        decisions = [r[0] for r in self.query("SELECT decision FROM audit WHERE delivery_id = ? AND caller = ?",
                                               (trigger, "slack-ops"))]
        self.expect(name, rows and rows[0][1] - killed_at < 60_000, f"after the kill the reply is {rows} (leased?)")
        attempts_before = rows[0][0] if rows else None
        failed_before = len([p for p in self.replies.on(path) if p["status"] == 500])
        self.replies.answer(path, 200)
        time.sleep(0.5)
        started_at = now_ms()
        ready_at = self.processes.start_gateway(self.gateway_bin, self.config, self.gateway,
                                                log_name="gateway-restart.log")
        delivered = self.replies.wait(lambda p: p["path"] == path and 200 <= p["status"] < 300, 20)
        if not self.expect(name, delivered, "the reply was not delivered within 20 s of the restart"):
            return
        time.sleep(1.5)
        posts = self.replies.on(path)
        ok = [p for p in posts if 200 <= p["status"] < 300]
        self.expect(name, len(ok) == 1, f"{len(ok)} deliveries answered 2xx, expected one")
        self.expect(name, f"Enabled credential {target}" in ok[0]["raw"]
                    and (ok[0]["json"] or {}).get("response_type") == "in_channel",
                    f"the delivered reply: {ok[0]['raw'][:300]}")
        left = self.query("SELECT COUNT(*) FROM callback_outbox WHERE url = ?", (reply_url,))[0][0]
        self.expect(name, left == 0, "the delivered reply is still in callback_outbox")
        enables = self.calls("enable", target)
        self.expect(name, len(enables) == 1, f"{len(enables)} enable calls for credential {target}, expected one")
        verified, line = self.verify_audit("after the restart")
        self.expect(name, verified, f"audit verify after the restart: {line}")
        # The same delivery again, signed anew: the stored answer, no new Segura call, nothing posted.
        calls_before = len(self.calls())
        again = self.slack(body)
        time.sleep(1.0)
        self.expect(name, again["status"] == 200 and f"Enabled credential {target}" in again["text"],
                    f"the repeat answered {again['status']}: {again['text'][:300]}")
        self.expect(name, len(self.calls()) == calls_before, "the repeated trigger_id reached Segura")
        self.expect(name, len(self.replies.on(path)) == len(posts), "the repeated trigger_id posted a follow-up")
        replayed = self.query("SELECT COUNT(*) FROM audit WHERE delivery_id = ? AND decision = 'replayed'",
                              (trigger,))[0][0]
        self.expect(name, replayed >= 1, "no replayed audit record for the repeat")
        self.figure(name, f"killed with the reply queued ({attempts_before} attempt(s), {failed_before} answered 500; "
                          f"audit {', '.join(decisions)}); restarted: ready {(ready_at - started_at) / 1000:.2f} s, "
                          f"reply delivered {(ok[0]['at_ms'] - started_at) / 1000:.2f} s after the start, "
                          f"{len(ok)} 2xx of {len(posts)} posts; {len(enables)} enable call; audit verify ok; "
                          f"the repeat replayed in {again['seconds']:.2f} s, no call")

    def scenario_teams(self):
        name, slow_target, fast_target = "3 Teams", 21, 22
        self.slow("enable", slow_target, 6000)
        slow_activity = teams_activity(f"<at>Segura</at> enable credential {slow_target} for ticket {TICKET}"
                                       f"&nbsp;for 2h\n")
        answer = self.teams(slow_activity)
        answered_at = now_ms()
        card = self.card_texts(answer["json"]) or ""
        self.expect(name, answer["status"] == 200 and answer["seconds"] < TEAMS_DEADLINE_S,
                    f"HTTP {answer['status']} after {answer['seconds']:.2f} s, expected 200 within 5 s")
        self.expect(name, WORKING in card, f"the answer is not a '{WORKING}' Adaptive Card: {answer['text'][:300]}")
        posted = self.teams_webhook.wait(lambda p: f"Enabled credential {slow_target}" in p["raw"], 20)
        if self.expect(name, posted, "the result card did not reach the Teams webhook within 20 s"):
            result = self.card_texts(posted[0]["json"]) or ""
            self.expect(name, "Grant: " in result and "{{DATE(" in result, f"the result card: {result[:300]}")
            self.expect(name, posted[0]["path"] == self.teams_webhook_path, f"posted to {posted[0]['path']}")
        fast = self.teams(teams_activity(f"<at>Segura</at> enable credential {fast_target} for ticket {TICKET} for 2h"))
        fast_card = self.card_texts(fast["json"]) or ""
        self.expect(name, f"Enabled credential {fast_target}" in fast_card, f"the fast answer: {fast['text'][:300]}")
        time.sleep(1.0)
        webhook_posts = self.teams_webhook.posts
        self.expect(name, len(webhook_posts) == 1,
                    f"{len(webhook_posts)} posts on the Teams webhook, expected the slow result only")
        for target in (slow_target, fast_target):
            self.expect(name, len(self.calls("enable", target)) == 1, f"credential {target}: not one enable call")
        delay = (posted[0]["at_ms"] - answered_at) / 1000 if posted else float("nan")
        self.figure(name, f"slow: '{WORKING}' card in {answer['seconds']:.2f} s, result card on the webhook "
                          f"{delay:.2f} s later (Segura 6 s); fast: result card inline in {fast['seconds']:.2f} s")

    def scenario_mattermost(self):
        name, inline_target, slow_target = "4 Mattermost", 31, 32
        empty, _ = self.mattermost("grants")
        self.expect(name, empty["status"] == 200 and "alice has no open grants" in empty["text"],
                    f"grants: {empty['status']} {empty['text'][:300]}")
        enabled, _ = self.mattermost(f"enable credential {inline_target} for ticket {TICKET} for 2h")
        message = enabled["json"] or {}
        self.expect(name, f"Enabled credential {inline_target}" in message.get("text", "")
                    and message.get("response_type") == "in_channel" and message.get("skip_slack_parsing") is True,
                    f"enable: {enabled['text'][:300]}")
        listed, _ = self.mattermost("grants")
        self.expect(name, f"credential {inline_target}" in listed["text"],
                    f"grants after the enable: {listed['text'][:300]}")
        self.slow("enable", slow_target, 4000)
        working, path = self.mattermost(f"enable credential {slow_target} for ticket {TICKET} for 2h")
        self.expect(name, WORKING in working["text"] and working["seconds"] < SLACK_DEADLINE_S,
                    f"slow enable: {working['status']} after {working['seconds']:.2f} s: {working['text'][:300]}")
        answered_at = now_ms()
        posted = self.replies.wait(lambda p: p["path"] == path, 20)
        if self.expect(name, posted, "the Mattermost follow-up did not reach response_url within 20 s"):
            time.sleep(1.0)
            message = posted[0]["json"] or {}
            self.expect(name, len(self.replies.on(path)) == 1, f"{len(self.replies.on(path))} follow-ups, expected one")
            self.expect(name, f"Enabled credential {slow_target}" in message.get("text", "")
                        and message.get("response_type") == "in_channel" and message.get("skip_slack_parsing") is True,
                        f"the follow-up: {posted[0]['raw'][:300]}")
        for target in (inline_target, slow_target):
            self.expect(name, len(self.calls("enable", target)) == 1, f"credential {target}: not one enable call")
        delay = (posted[0]["at_ms"] - answered_at) / 1000 if posted else float("nan")
        self.figure(name, f"grants {empty['seconds']:.2f} s, enable inline {enabled['seconds']:.2f} s; slow enable "
                          f"'{WORKING}' in {working['seconds']:.2f} s, follow-up {delay:.2f} s later (Segura 4 s)")

    def scenario_refusals(self):
        name = "5 refusals"
        before = len(self.calls())
        results = {}
        stranger, _, _ = self.slack_text(f"enable credential 43 for ticket {TICKET} for 1h", user=STRANGER_SLACK)
        results["unknown user"] = stranger["status"] == 200 and "chat_user_unknown" in stranger["text"] \
            and (stranger["json"] or {}).get("response_type") == "ephemeral"
        audited = self.query("SELECT decision, requested_by, platform FROM audit WHERE error_code = ?",
                             ("chat_user_unknown",))
        stranger_record = ("rejected_policy", f"unmapped slack user {SLACK_TEAM}/{STRANGER_SLACK}", "slack")
        results["unknown user audited"] = stranger_record in audited
        body = slack_command(ALICE_SLACK, f"enable credential 44 for ticket {TICKET}", self.replies.url + "/slack/x",
                             trigger_id())
        forged = self.slack(body, secret=secrets.token_hex(16))
        results["wrong signature 401"] = forged["status"] == 401
        stale_at = int(time.time()) - 600
        stale_signature = self.slack_verifier.generate_signature(timestamp=str(stale_at), body=body)
        results["stale timestamp 401"] = not self.slack_verifier.is_valid(body=body, timestamp=str(stale_at),
                                                                          signature=stale_signature)
        stale = self.slack(body, timestamp=stale_at)
        results["stale timestamp 401"] &= stale["status"] == 401 and "stale_timestamp" in stale["text"]
        replay = self.slack(self.scenario_one["body"])  # scenario 1's trigger_id again, signed anew
        results["replayed trigger_id"] = replay["status"] == 200 \
            and f"Enabled credential {self.scenario_one['target']}" in replay["text"]
        mention = self.teams(teams_activity("<at>Segura</at>&nbsp;\n"))
        results["mention-only Teams text"] = "the command is empty" in (self.card_texts(mention["json"]) or "")
        empty, _, _ = self.slack_text("")
        results["empty Slack text"] = "the command is empty" in empty["text"]
        bob, _, _ = self.slack_text(f"enable credential 42 for ticket {TICKET} for 1h", user=BOB_SLACK)
        results["person_not_allowed"] = "person_not_allowed" in bob["text"] \
            and "bob may not act on credential 42" in bob["text"]
        wrong, _ = self.mattermost("grants", token="x" * 26)
        results["wrong Mattermost token 401"] = wrong["status"] == 401
        time.sleep(0.5)
        after = len(self.calls())
        for label, ok in results.items():
            self.expect(name, ok, f"{label}: not refused as expected")
        self.expect(name, after == before, f"Segura got {after - before} call(s) during the refusals")
        self.figure(name, f"{sum(results.values())}/{len(results)} refused as expected "
                          f"({', '.join(label for label, ok in results.items() if ok)}); "
                          f"Segura calls {before} -> {after}")

    def scenario_grants_revoke(self):
        name, target = "6 grants and revoke", 51
        enabled, _, _ = self.slack_text(f"enable credential {target} for ticket {TICKET} for 1h")
        grant = self.slack_grant(enabled["json"])
        self.expect(name, grant and f"Enabled credential {target}" in enabled["text"],
                    f"enable: {enabled['text'][:300]}")
        listed, _, _ = self.slack_text("grants")
        self.expect(name, grant and grant in listed["text"] and f"credential {target}" in listed["text"]
                    and (listed["json"] or {}).get("response_type") == "ephemeral", f"grants: {listed['text'][:300]}")
        revoked, _, _ = self.slack_text(f"revoke {grant}")
        reply = revoked["json"] or {}
        self.expect(name, f"Disabled credential {target}" in revoked["text"] and grant in revoked["text"]
                    and "revoked" in revoked["text"] and reply.get("response_type") == "in_channel",
                    f"revoke: {revoked['text'][:300]}")
        disables = self.calls("disable", target)
        self.expect(name, len(disables) == 1, f"{len(disables)} disable calls for credential {target}, expected one")
        events = self.wait_for_callback("grant.revoked", grant)
        if self.expect(name, events, f"no grant.revoked callback for {grant} within 10 s"):
            event = events[0]["json"]["grant"]
            self.expect(name, event["state"] == "revoked" and event["target"]["id"] == target
                        and event.get("requested_by") == "alice" and event.get("ended_by") in ("disable", "revoke"),
                        f"grant.revoked says {event}")
            self.expect(name, self.callback_signature_ok(events[0]),
                        "the grant.revoked callback's signature does not verify")
            self.expect(name, self.wait_for_callback("grant.created", grant), f"no grant.created callback for {grant} within 10 s")
        after, _, _ = self.slack_text("grants")
        self.expect(name, grant not in after["text"], "the revoked grant is still listed")
        again, _, _ = self.slack_text(f"revoke {grant}")
        disables_after = self.calls("disable", target)
        self.expect(name, "grant_ended" in again["text"] and "was not changed" in again["text"]
                    and len(disables_after) == len(disables),
                    f"revoking again: {again['text'][:300]}, {len(disables_after)} disable calls")
        self.figure(name, f"enable {enabled['seconds']:.2f} s, grants {listed['seconds']:.2f} s, revoke "
                          f"{revoked['seconds']:.2f} s ({len(disables)} disable call); grant.revoked "
                          f"{events[0]['json']['grant']['state'] if events else 'missing'} for {grant}, signature ok; "
                          f"revoking again: grant_ended, {len(disables_after) - len(disables)} more call(s)")

    def final_checks(self):
        name = "end"
        paths = {}
        for post in self.replies.posts + self.teams_webhook.posts:
            if 200 <= post["status"] < 300:
                paths[post["path"]] = paths.get(post["path"], 0) + 1
        repeated = {p: n for p, n in paths.items() if n > 1}
        self.expect(name, not repeated, f"follow-ups delivered more than once: {repeated}")
        enables = {}
        for call in self.calls("enable"):
            enables[call["id"]] = enables.get(call["id"], 0) + 1
        self.expect(name, all(n == 1 for n in enables.values()), f"enable calls per credential: {enables}")
        self.expect(name, self.processes.end(self.processes.gateway, grace=10.0),
                    "the gateway did not stop within 10 s of SIGTERM")
        verified, line = self.verify_audit("at the end")
        self.expect(name, verified, f"audit verify at the end: {line}")
        self.expect_unlogged(name, [self.teams_webhook_path])
        records = self.query("SELECT COUNT(*), COUNT(platform) FROM audit")[0]
        self.figure(name, f"{len(paths)} follow-up(s), each delivered once; {len(enables)} credentials enabled once "
                          f"each; no URL or secret in the logs; {records[0]} audit records ({records[1]} with a "
                          f"platform), chain verifies")

    def run(self):
        self.start()
        self.scenario_slow_slack()
        self.scenario_sigkill()
        self.scenario_teams()
        self.scenario_mattermost()
        self.scenario_refusals()
        self.scenario_grants_revoke()
        self.final_checks()

    def dump(self):
        with open(os.path.join(self.work, "posts.json"), "w", encoding="utf-8") as out:
            json.dump({"response_url": self.replies.posts, "teams_webhook": self.teams_webhook.posts,
                       "grant_callback": self.callbacks.posts}, out, indent=1)


def main(run_class=ChatRun, settings="CHAT_TEST", timeout=180, packages=("slack_sdk",)):
    """Runs `run_class`'s scenarios in a new temporary directory and prints their figures; 1 on a violation.
    `settings` prefixes the _TIMEOUT_SECONDS (default `timeout`) and _KEEP_DIR variables; the summary names the
    versions of `packages`."""
    started = time.time()
    title = settings.lower().replace("_", " ")
    gateway_bin, simulator_bin = os.environ.get("SEGURA_GATEWAY_BIN", ""), os.environ.get("SEGURA_SIMULATOR_BIN", "")
    for name, path in (("gateway", gateway_bin), ("simulator", simulator_bin)):
        if not os.access(path, os.X_OK):
            log(f"FAILED: no executable segura-{name} (SEGURA_{name.upper()}_BIN={path!r})")
            return 1
    arm_deadline(f"{settings}_TIMEOUT_SECONDS", timeout)
    work = tempfile.mkdtemp(prefix=f"segura-{title.split()[0]}.")
    run = None
    try:
        run = run_class(work, gateway_bin, simulator_bin)
        run.run()
    except (Failure, OSError, RuntimeError, http.client.HTTPException, sqlite3.Error) as failure:
        log(f"FAILED: {failure}")
        log_tails(work, run_class.logs)
        return 1
    finally:
        if run is not None:
            run.dump()
            run.stop()
        keep_and_remove(work, f"{settings}_KEEP_DIR", "configuration, logs, store and recorded posts")
    import importlib.metadata
    print()
    print(f"{title} summary ({', '.join(f'{p} {importlib.metadata.version(p)}' for p in packages)})")
    for scenario, text in run.figures:
        print(f"  {scenario:<32} {text}")
    print(f"  {'wall time, seconds':<32} {round(time.time() - started)}")
    print()
    if run.violations:
        for scenario, message in run.violations:
            print(f"  VIOLATED {scenario}: {message}")
        print()
        log(f"FAILED: {len(run.violations)} violation(s)")
        return 1
    log("passed: every scenario held")
    return 0


if __name__ == "__main__":
    exit_with(main)
