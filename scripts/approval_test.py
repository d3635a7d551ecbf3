#!/usr/bin/env python3
"""End-to-end test of approvals with real processes, run by scripts/approval-test (which installs slack_sdk and
cryptography).

A request an approval rule covers waits until approvers approve it, then runs exactly once. This script plays the
chat platforms and two API callers against a real gateway and simulator, all on 127.0.0.1 in one temporary
directory, on chat_test's platform side (its recording servers, payloads and signatures; Slack signed with the
official Slack SDK) and the crash test's Standard Webhooks signer:

  - segura-simulator --port 0 with inactive credentials 1..99; a slow Segura is a latency fault on one enable;
  - segura-gateway serve on a free port, store.stale_claim_seconds 5 and segura.deadline_seconds 4 (so a leased
    approved request falls due again 9 s after its lease), with these callers, each with the rule "an enable of
    credential 60-79 for longer than PT1H waits for one approval":
      slack-ops       alice requests, bob and carol approve, dave is mapped but no approver, erin's own rule
                      expires after PT2S; the approval channel is a recorded incoming webhook;
      teams-ops       alice requests, bob approves by typing `approve <id>`;
      mattermost-ops  alice requests, bob clicks; trigger_ids signed with an ECDSA P-256 key made here (as the
                      Mattermost server signs them), buttons signed by the gateway's button_secret;
      servicenow      an API caller whose rule needs the approval of the approving caller change-board (one
                      approver, whoever it names), with a Standard Webhooks callback;
  - recording HTTP servers (chat_test.Recorder): response_url (the commands' and each click's), the Teams
    incoming webhook, the approval channels, and the callback.

Scenarios, each printing a figure line; any violation fails the run (exit 1):

  1 Slack approve      alice's enable of credential 60 for 2h is answered "Waiting for approval"; the approval
                       channel gets Approve and Deny buttons (segura.approve, segura.deny, the approval id);
                       no Segura call for 3 s; alice's click is refused (requester_cannot_approve), dave's too
                       (approver_not_allowed), each on its click's response_url without replacing the message;
                       bob and carol click Approve at the same moment: one enable call, the loser is told it is
                       already approved; alice's response_url gets the decision, then the result and its grant;
                       the approval message is replaced with the decision and the result; a later click is
                       answered "already approved by".
  2 deny and expiry    carol denies credential 61: no call, alice is told "Denied by carol"; erin's request
                       (expires_after PT2S) is expired within 3.5 s, no call, erin is told.
  3 Mattermost         the button's signed context with the decision swapped, another approval's id, or another
                       channel is refused 401 signature_mismatch; bob's real click runs the enable once and is
                       answered with an update; the same click again is already decided, no call.
  4 Teams              the approval channel tells approvers to type `approve <id>`; bob types it: one call, the
                       result reaches the incoming webhook.
  5 API                servicenow's enable is answered 202 pending_approval; change-board's refusals (the
                       requester's own name: requester_cannot_approve; servicenow approving:
                       approver_not_allowed; an unknown id: approval_not_found), change-board approves for bob,
                       the action runs once, change-board again (for carol) is approval_decided "already approved
                       by change-board at"; GET shows it executed with its execution_request_id and it is not
                       listed as pending; approval.* callbacks carry valid signatures.
  6 restarts           (a) SIGKILL with a request pending, restart, bob approves: one call. (b) Segura takes 3 s
                       on the approved enable; SIGKILL once the simulator saw the call; restart: the approval
                       ends executed, one open grant, no second change (any second call found it enabled), and
                       `audit verify` passes.

At the end: every approval is in the state expected, with its history on the audit chain under its id
(approval_requested, the votes, the denial or expiry, or the action's own applied/already_in_state after the
approval), no enable changed a credential twice, `segura-gateway audit verify --store` passes, and no secret,
webhook or response_url reached the logs.

Environment: SEGURA_GATEWAY_BIN, SEGURA_SIMULATOR_BIN (required), APPROVAL_TEST_TIMEOUT_SECONDS (240, then the run
is abandoned), APPROVAL_TEST_KEEP_DIR (copy the configuration, logs, store and recorded posts there).
"""

import base64
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.parse

from chat_test import (KIND, SLACK_TEAM, TICKET, ChatRun, Recorder, main, mattermost_command, teams_activity,
                       trigger_id)
from crash_test import Signer
from grant_restart_test import Failure, exit_with, now_ms, signed_request, simulator_object_state

try:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
except ImportError:  # scripts/approval-test installs it; say so rather than a traceback
    print("approval-test: cryptography is not installed: run scripts/approval-test, which installs it in "
          ".build-tools/", file=sys.stderr)
    sys.exit(2)

SLACK_USERS = {"alice": "U0ALICE01", "bob": "U0BOB0001", "carol": "U0CAROL01", "dave": "U0DAVE001",
               "erin": "U0ERIN001"}
TEAMS_USERS = {"alice": "6f1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8", "bob": "0b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0"}
MATTERMOST_USERS = {"alice": "erj6qck3rfgtujs86w5r6rckzh", "bob": "bq7mxk4ee7fh5juq3jmrnxk9ya"}
SLACK_APPROVAL_CHANNEL = "C0APPROVAL"
MATTERMOST_CHANNEL = "4xp9fdt2ojg5jngt7s9b8rfnzy"
MATTERMOST_TEAM = "wx4zz8t4ttgmtxqiwfohijayzc"
APPROVE, DENY = "segura.approve", "segura.deny"
WAITING = "Waiting for approval"
APPROVAL_ID = re.compile(r"apr_[0-9a-f]{32}")
SETTLE_S = 1.5  # how long to watch for a second call or post that must not come


def mattermost_id():
    """A Mattermost id: 26 characters of lower-case base32."""
    return "".join(secrets.choice("abcdefghijkmnopqrstuwxyz13456789") for _ in range(26))


def block_actions(user, name, approval_id, action_id, response_url, trigger):
    """A Slack `block_actions` interaction, a click on a button of the approval message, with the members Slack
    documents (api.slack.com/reference/interaction-payloads/block-actions), as the form field `payload`."""
    action_ts = f"{time.time():.6f}"
    payload = {
        "type": "block_actions", "user": {"id": user, "username": name, "name": name, "team_id": SLACK_TEAM},
        "api_app_id": "A123456", "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "container": {"type": "message", "message_ts": "1548261231.000200", "channel_id": SLACK_APPROVAL_CHANNEL,
                      "is_ephemeral": False},
        "trigger_id": trigger, "team": {"id": SLACK_TEAM, "domain": "example"}, "enterprise": None,
        "is_enterprise_install": False, "channel": {"id": SLACK_APPROVAL_CHANNEL, "name": "approvals"},
        "state": {"values": {}}, "response_url": response_url,
        "actions": [{"action_id": action_id, "block_id": "segura-approval", "type": "button", "value": approval_id,
                     "text": {"type": "plain_text", "text": "Approve" if action_id == APPROVE else "Deny",
                              "emoji": True}, "action_ts": action_ts}],
    }
    return urllib.parse.urlencode([("payload", json.dumps(payload, separators=(",", ":")))]).encode()


class MattermostServerKey:
    """The Mattermost server's asymmetric signing key: it signs every trigger_id it issues (model.GenerateTriggerId:
    base64 of "clientTriggerId:userId:millis:" followed by the base64 DER ECDSA P-256 SHA-256 signature of that)."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        der = self.key.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
        self.public_key = base64.b64encode(der).decode()  # as the server's AsymmetricSigningPublicKey

    def trigger(self, user):
        """The decoded trigger_id for `user` (mattermost_command base64-encodes it)."""
        signed = f"{mattermost_id()}:{user}:{now_ms()}:"
        return signed + base64.b64encode(self.key.sign(signed.encode(), ec.ECDSA(hashes.SHA256()))).decode()


class ApprovalRun(ChatRun):
    logs = ("gateway.log", "gateway-restart.log", "gateway-restart-2.log", "simulator.log")
    # A leased approved request falls due again stale_claim_seconds + deadline_seconds (9 s) after its lease.
    segura_timing = {"connect_timeout_seconds": 2, "request_timeout_seconds": 4, "deadline_seconds": 4,
                     "max_attempts": 2}
    stale_claim_seconds = 5

    def __init__(self, work, gateway_bin, simulator_bin):
        super().__init__(work, gateway_bin, simulator_bin)
        self.channels = Recorder("approval-channels")
        self.channel_paths = {"slack": f"/services/{SLACK_TEAM}/B0APPROVAL/{secrets.token_urlsafe(18)}",
                              "teams": f"/workflows/{secrets.token_hex(8)}/triggers/manual/paths/invoke",
                              "mattermost": f"/hooks/{mattermost_id()}"}
        self.button_secret = secrets.token_hex(32)
        self.mattermost_key = MattermostServerKey()
        self.api_secrets = {name: "whsec_" + base64.b64encode(os.urandom(32)).decode()
                            for name in ("servicenow", "change-board")}
        self.signers = {name: Signer(secret) for name, secret in self.api_secrets.items()}
        self.processes.environment.update(
            APPROVAL_TEST_BUTTON_SECRET=self.button_secret,
            APPROVAL_TEST_SERVICENOW_SECRET=self.api_secrets["servicenow"],
            APPROVAL_TEST_CHANGE_BOARD_SECRET=self.api_secrets["change-board"],
            **{f"APPROVAL_TEST_{platform.upper()}_CHANNEL": self.channels.url + path
               for platform, path in self.channel_paths.items()})
        self.approvals = {}  # approval id -> what the run expects of it: label, target, state, votes

    # --- processes

    def callers(self):
        reply = self.replies.url
        rule = 'when: {actions: [enable], kinds: [credential], ids: {credential: ["60-79"]}, duration_over: PT1H}'
        slack_people = "\n".join(f"        {name}: {{user: {SLACK_TEAM}/{user}}}" for name, user in SLACK_USERS.items()
                                  if name != "erin")
        return f"""\
  slack-ops:
    scheme: slack-v0
    secrets: [env:CHAT_TEST_SLACK_SIGNING_SECRET]
    policy: {{actions: [enable, disable], kinds: [credential], ids: {{credential: ["1-99"]}}, max_duration: PT8H}}
    approval:
      {rule}
      approvers: [bob, carol]
      required: 1
      expires_after: PT15M
    chat:
      platform: slack
      reply_url_prefixes: ["{reply}/slack/"]
      approval_channel: {{webhook: env:APPROVAL_TEST_SLACK_CHANNEL}}
      people:
{slack_people}
        erin:
          user: {SLACK_TEAM}/{SLACK_USERS["erin"]}
          approval: {{{rule}, approvers: [bob, carol], expires_after: PT2S}}
  teams-ops:
    scheme: teams-hmac
    secrets: [env:CHAT_TEST_TEAMS_TOKEN]
    policy: {{actions: [enable, disable], kinds: [credential], ids: {{credential: ["1-99"]}}, max_duration: PT8H}}
    approval: {{{rule}, approvers: [bob]}}
    chat:
      platform: teams
      incoming_webhook: env:CHAT_TEST_TEAMS_WEBHOOK
      approval_channel: {{webhook: env:APPROVAL_TEST_TEAMS_CHANNEL}}
      people:
        alice: {{user: {TEAMS_USERS["alice"]}}}
        bob: {{user: {TEAMS_USERS["bob"]}}}
  mattermost-ops:
    scheme: static-token
    secrets: [env:CHAT_TEST_MATTERMOST_TOKEN]
    policy: {{actions: [enable, disable], kinds: [credential], ids: {{credential: ["1-99"]}}, max_duration: PT8H}}
    approval: {{{rule}, approvers: [bob]}}
    chat:
      platform: mattermost
      reply_url_prefixes: ["{reply}/mattermost/hooks/commands/"]
      signing_public_key: {self.mattermost_key.public_key}
      approval_channel:
        webhook: env:APPROVAL_TEST_MATTERMOST_CHANNEL
        channel_id: {MATTERMOST_CHANNEL}
        action_url: {self.gateway}/v1/chat/mattermost/actions
        button_secret: env:APPROVAL_TEST_BUTTON_SECRET
      people:
        alice: {{user: {MATTERMOST_USERS["alice"]}}}
        bob: {{user: {MATTERMOST_USERS["bob"]}}}
  servicenow:
    scheme: standard-webhooks
    secrets: [env:APPROVAL_TEST_SERVICENOW_SECRET]
    policy: {{actions: [enable, disable], kinds: [credential], ticket_pattern: "CHG[0-9]{{7}}", max_duration: PT8H}}
    approval: {{{rule}, approver_callers: [change-board], required: 1}}
    callback:
      url: {self.callbacks.url}/approval-events/servicenow
      secret: env:CHAT_TEST_CALLBACK_SECRET
  change-board:
    scheme: standard-webhooks
    secrets: [env:APPROVAL_TEST_CHANGE_BOARD_SECRET]
    policy: {{actions: [disable], kinds: [credential], ids: {{credential: ["1"]}}}}
    callback:
      url: {self.callbacks.url}/approval-events/change-board
      secret: env:CHAT_TEST_CALLBACK_SECRET
"""

    def restart(self, log_name):
        """SIGKILL, then the same configuration and store again: how many seconds until it was ready."""
        killed_at = self.processes.kill_gateway()
        return (self.processes.start_gateway(self.gateway_bin, self.config, self.gateway, log_name=log_name)
                - killed_at) / 1000

    def stop(self):
        super().stop()
        self.channels.stop()

    # --- the platforms' side

    def slack_click(self, person, approval_id, action_id=APPROVE):
        """`person` clicks a button of the approval message: (answer, the click's own response_url path)."""
        path = f"/slack/actions/{SLACK_TEAM}/{secrets.token_hex(6)}/{secrets.token_urlsafe(18)}"
        body = block_actions(SLACK_USERS[person], person, approval_id, action_id, self.replies.url + path,
                             trigger_id())
        return self.slack(body), path

    def slack_request(self, target, person="alice"):
        """`person` asks on Slack to enable `target` for 2h: (answer, response_url path, approval id)."""
        answer, _, path = self.slack_text(f"enable credential {target} for ticket {TICKET} for 2h",
                                          user=SLACK_USERS[person])
        return answer, path, self.pending_approval(answer, "slack-ops", target)

    def mattermost_text(self, person, text):
        """A slash command with a trigger_id the server signed for `person`: (answer, response_url path)."""
        path = f"/mattermost/hooks/commands/{secrets.token_hex(13)}"
        body = mattermost_command(MATTERMOST_USERS[person], text, self.replies.url + path,
                                  self.mattermost_key.trigger(MATTERMOST_USERS[person]), self.mattermost_token)
        return self.post("/v1/chat/mattermost", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                        "Authorization": f"Token {self.mattermost_token}"}), path

    def mattermost_click(self, person, context, post_id):
        """A click on an interactive button as the Mattermost server relays it to the button's integration URL
        (developers.mattermost.com, interactive messages): JSON, with the button's context as it was posted."""
        user = MATTERMOST_USERS[person]
        body = json.dumps({
            "user_id": user, "user_name": person, "channel_id": MATTERMOST_CHANNEL, "channel_name": "approvals",
            "team_id": MATTERMOST_TEAM, "team_domain": "team-awesome", "post_id": post_id,
            "trigger_id": base64.b64encode(self.mattermost_key.trigger(user).encode()).decode(),
            "type": "button", "data_source": "", "context": context,
        }, separators=(",", ":")).encode()
        return self.post("/v1/chat/mattermost/actions", body, {"Content-Type": "application/json"})

    def api(self, caller, method, path, body=None):
        """A signed API request by `caller`: (status, JSON or None)."""
        raw = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        return signed_request(self.gateway, self.signers[caller], method, path, raw)

    # --- approvals

    def pending_approval(self, answer, caller, target, label=None):
        """The approval request `caller`'s answer started for `target`, recorded as expected pending; checks that
        the answer says it waits and names it. None when there is none."""
        rows = self.query("SELECT id, state FROM approval_request WHERE caller = ? AND target_id = ? "
                          "ORDER BY created_at DESC", (caller, target))
        label = label or f"credential {target}"
        if not self.expect(label, rows and rows[0][1] == "pending", f"no pending approval request in the store "
                           f"after the request (rows {rows}); answer {answer['status']}: {answer['text'][:300]}"):
            return None
        approval_id = rows[0][0]
        self.expect(label, answer["status"] in (200, 202) and WAITING in answer["text"]
                    and approval_id in answer["text"],
                    f"the answer does not say '{WAITING}' with {approval_id}: {answer['text'][:300]}")
        self.approvals[approval_id] = {"label": label, "target": target, "state": "pending", "votes": 0}
        return approval_id

    def approval_row(self, approval_id):
        rows = self.query("SELECT state, decided_by, execution_request_id FROM approval_request WHERE id = ?",
                          (approval_id,))
        return rows[0] if rows else (None, None, None)

    def wait_for_state(self, approval_id, states, seconds):
        """The approval's row once its state is one of `states` (or as it is after `seconds`)."""
        deadline = time.monotonic() + seconds
        while True:
            row = self.approval_row(approval_id)
            if row[0] in states or time.monotonic() > deadline:
                return row
            time.sleep(0.05)

    def expect_state(self, approval_id, state, votes=0):
        self.approvals[approval_id].update(state=state, votes=votes)

    def wait_for_calls(self, target, count=1, seconds=10):
        """The enable calls for `target` once there are `count`, then SETTLE_S more for one that must not come."""
        deadline = time.monotonic() + seconds
        while len(self.calls("enable", target)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(SETTLE_S)
        return self.calls("enable", target)

    def channel_message(self, platform, approval_id, seconds=10):
        posted = self.channels.wait(lambda p: p["path"] == self.channel_paths[platform]
                                    and approval_id in p["raw"], seconds)
        return posted[0] if posted else None

    @staticmethod
    def slack_buttons(message):
        """The buttons of a Slack message's actions blocks: {action_id: value}."""
        return {element.get("action_id"): element.get("value")
                for block in (message or {}).get("blocks") or [] if block.get("type") == "actions"
                for element in block.get("elements") or []}

    @staticmethod
    def mattermost_buttons(message):
        """The buttons of the message attachments of an incoming webhook's payload (top-level `attachments`, which
        the server moves to the post's props): {decision: (integration url, context)}."""
        buttons = {}
        for attachment in (message or {}).get("attachments") or []:
            for action in attachment.get("actions") or []:
                integration = action.get("integration") or {}
                context = integration.get("context") or {}
                buttons[context.get("decision")] = (integration.get("url"), context)
        return buttons

    # --- the scenarios

    def scenario_slack(self):
        name, target = "1 Slack approve", 60
        answer, path, approval_id = self.slack_request(target)
        if approval_id is None:
            return
        self.expect(name, answer["status"] == 200 and isinstance((answer["json"] or {}).get("blocks"), list),
                    f"the answer is not a Block Kit message: {answer['text'][:300]}")
        posted = self.channel_message("slack", approval_id)
        buttons = self.slack_buttons(posted["json"] if posted else None)
        self.expect(name, buttons == {APPROVE: approval_id, DENY: approval_id},
                    f"the approval channel message's buttons: {buttons} ({'posted' if posted else 'not posted'})")
        time.sleep(3.0)
        quiet = len(self.calls("enable", target))
        refusals = {}
        for person, code in (("alice", "requester_cannot_approve"), ("dave", "approver_not_allowed")):
            clicked, click_path = self.slack_click(person, approval_id)
            self.expect(name, clicked["status"] == 200 and not clicked["text"].strip(),
                        f"{person}'s click was answered {clicked['status']}: {clicked['text'][:200]}")
            told = self.replies.wait(lambda p, click_path=click_path: p["path"] == click_path, 10)
            message = (told[0]["json"] or {}) if told else {}
            refusals[person] = bool(told) and code in told[0]["raw"] and message.get("replace_original") is not True \
                and message.get("response_type", "ephemeral") == "ephemeral"
            self.expect(name, refusals[person], f"{person}'s click: expected an ephemeral {code} on its response_url, "
                                                f"got {told[0]['raw'][:300] if told else 'nothing'}")
        time.sleep(0.5)
        refused_calls = len(self.calls("enable", target))
        self.expect(name, quiet == 0 and refused_calls == 0,
                    f"Segura was called while the request waited: {quiet} call(s), {refused_calls} after the refusals")
        self.expect(name, self.approval_row(approval_id)[0] == "pending", "the refusals changed the approval")
        clicks, barrier = {}, threading.Barrier(2)

        def click(person):
            barrier.wait()
            clicks[person] = self.slack_click(person, approval_id)

        threads = [threading.Thread(target=click, args=(person,)) for person in ("bob", "carol")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        enables = self.wait_for_calls(target)
        state, winner, execution = self.wait_for_state(approval_id, {"executed"}, 10)
        self.expect_state(approval_id, "executed", votes=1)
        self.expect(name, len(enables) == 1, f"{len(enables)} enable calls after two Approve clicks, expected one")
        self.expect(name, state == "executed" and winner in ("bob", "carol") and execution,
                    f"the approval is {state}, decided by {winner}, execution {execution}")
        loser = "carol" if winner == "bob" else "bob"
        for person, (clicked, _) in clicks.items():
            self.expect(name, clicked["status"] == 200, f"{person}'s Approve answered {clicked['status']}")
        result = self.replies.wait(lambda p: p["path"] == path and f"Enabled credential {target}" in p["raw"], 10)
        time.sleep(SETTLE_S)
        requester = self.replies.on(path)
        grant = self.slack_grant(result[0]["json"]) if result else None
        self.expect(name, len(requester) == 2 and f"Approved by {winner}" in requester[0]["raw"] and result
                    and result[0] is requester[1] and grant,
                    f"alice's response_url: {[p['raw'][:160] for p in requester]}, expected the decision, then the "
                    f"result with its grant")
        winner_path, loser_path = clicks.get(winner, (None, None))[1], clicks.get(loser, (None, None))[1]
        replaced = [p for p in self.replies.on(winner_path) if (p["json"] or {}).get("replace_original") is True]
        self.expect(name, replaced and f"Approved by {winner}" in replaced[0]["raw"]
                    and f"Enabled credential {target}" in replaced[-1]["raw"],
                    f"the approval message was replaced with {[p['raw'][:160] for p in replaced]}, expected the "
                    f"decision and later the result")
        lost = self.replies.wait(lambda p: p["path"] == loser_path, 5)
        self.expect(name, lost and f"already approved by {winner}" in lost[0]["raw"].lower()
                    and (lost[0]["json"] or {}).get("replace_original") is not True,
                    f"{loser}'s simultaneous click: {lost[0]['raw'][:300] if lost else 'no follow-up'}")
        _, late_path = self.slack_click("carol", approval_id)
        late = self.replies.wait(lambda p: p["path"] == late_path, 10)
        self.expect(name, late and f"already approved by {winner}" in late[0]["raw"].lower(),
                    f"a later click: {late[0]['raw'][:300] if late else 'no follow-up'}")
        time.sleep(0.5)
        self.expect(name, len(self.calls("enable", target)) == 1, "a later click reached Segura")
        self.figure(name, f"'{WAITING}' in {answer['seconds']:.2f} s; buttons {sorted(buttons)}; {quiet} call(s) in "
                          f"3 s; refused: {', '.join(p for p, ok in refusals.items() if ok)}; bob and carol at once: "
                          f"{winner} won, {len(enables)} enable call, grant {grant}; requester got {len(requester)} "
                          f"posts, the approval message {len(replaced)} replacement(s)")

    def scenario_deny_expiry(self):
        name, denied_target, expiring_target = "2 deny and expiry", 61, 62
        answer, path, denied = self.slack_request(denied_target)
        if denied is None:
            return
        clicked, _ = self.slack_click("carol", denied, DENY)
        state = self.wait_for_state(denied, {"denied"}, 5)[0]
        self.expect_state(denied, "denied")
        told = self.replies.wait(lambda p: p["path"] == path and "Denied by carol" in p["raw"], 10)
        self.expect(name, clicked["status"] == 200 and state == "denied" and told,
                    f"carol's Deny: {clicked['status']}, state {state}, alice told: {bool(told)}")
        asked_at = time.monotonic()
        answer, path, expiring = self.slack_request(expiring_target, person="erin")
        if expiring is None:
            return
        row = self.wait_for_state(expiring, {"expired"}, 3.5)
        expired_after = time.monotonic() - asked_at
        self.expect_state(expiring, "expired")
        self.expect(name, row[0] == "expired", f"erin's request (PT2S) is {row[0]} {expired_after:.1f} s later")
        informed = self.replies.wait(lambda p: p["path"] == path and "expired" in p["raw"].lower(), 5)
        self.expect(name, informed, "erin was not told that her request expired")
        _, late_path = self.slack_click("bob", expiring)
        late = self.replies.wait(lambda p: p["path"] == late_path, 10)
        self.expect(name, late and "expired" in late[0]["raw"].lower(),
                    f"approving the expired request: {late[0]['raw'][:300] if late else 'no follow-up'}")
        time.sleep(0.5)
        calls = self.calls("enable", denied_target) + self.calls("enable", expiring_target)
        self.expect(name, not calls, f"{len(calls)} enable call(s) for a denied or expired request")
        self.figure(name, f"denied by carol: {state}, alice told; erin's PT2S request {row[0]} after "
                          f"{expired_after:.1f} s, erin told: {bool(informed)}; a late Approve refused; "
                          f"{len(calls)} Segura calls")

    def scenario_mattermost(self):
        name, target = "3 Mattermost", 63
        answer, _ = self.mattermost_text("alice", f"enable credential {target} for ticket {TICKET} for 2h")
        approval_id = self.pending_approval(answer, "mattermost-ops", target, label=name)
        if approval_id is None:
            return
        posted = self.channel_message("mattermost", approval_id)
        buttons = self.mattermost_buttons(posted["json"] if posted else None)
        action_url = f"{self.gateway}/v1/chat/mattermost/actions"
        if not self.expect(name, set(buttons) == {"approve", "deny"} and all(
                url == action_url and context.get("approval_id") == approval_id
                and context.get("channel_id") == MATTERMOST_CHANNEL and context.get("signature")
                and context.get("expires_at") for url, context in buttons.values()),
                f"the approval channel message's buttons: {buttons}"):
            return
        post_id = mattermost_id()
        approve = buttons["approve"][1]
        forgeries = {"decision swapped": dict(approve, decision="deny"),
                     "another approval": dict(approve, approval_id="apr_" + secrets.token_hex(16)),
                     "another channel": dict(approve, channel_id=mattermost_id())}
        refused = {}
        for label, context in forgeries.items():
            forged = self.mattermost_click("bob", context, post_id)
            refused[label] = forged["status"] == 401 and "signature_mismatch" in forged["text"]
            self.expect(name, refused[label], f"{label}: {forged['status']} {forged['text'][:200]}")
        time.sleep(0.5)
        self.expect(name, not self.calls("enable", target) and self.approval_row(approval_id)[0] == "pending",
                    "a forged click changed the approval")
        clicked = self.mattermost_click("bob", approve, post_id)
        response = clicked["json"] or {}
        self.expect(name, clicked["status"] == 200 and "update" in response,
                    f"bob's click: {clicked['status']} {clicked['text'][:300]}")
        enables = self.wait_for_calls(target)
        state = self.wait_for_state(approval_id, {"executed"}, 10)[0]
        self.expect_state(approval_id, "executed", votes=1)
        self.expect(name, len(enables) == 1 and state == "executed",
                    f"{len(enables)} enable calls after bob's click, approval {state}")
        again = self.mattermost_click("bob", approve, post_id)
        time.sleep(0.5)
        self.expect(name, again["status"] == 200 and "already" in again["text"].lower()
                    and len(self.calls("enable", target)) == 1,
                    f"the same click again: {again['status']} {again['text'][:300]}")
        self.figure(name, f"forged contexts refused 401: {sum(refused.values())}/{len(refused)}; bob's click "
                          f"{clicked['seconds']:.2f} s, {len(enables)} enable call, approval {state}; the click "
                          f"again: {(again['json'] or {}).get('ephemeral_text', again['text'])[:60]!r}, no call")

    def scenario_teams(self):
        name, target = "4 Teams", 64
        answer = self.teams(teams_activity(f"<at>Segura</at> enable credential {target} for ticket {TICKET} for 2h",
                                           aad_object_id=TEAMS_USERS["alice"]))
        approval_id = self.pending_approval(dict(answer, text=self.card_texts(answer["json"]) or answer["text"]),
                                            "teams-ops", target, label=name)
        if approval_id is None:
            return
        posted = self.channel_message("teams", approval_id)
        self.expect(name, posted and f"approve {approval_id}" in posted["raw"] and f"deny {approval_id}" in posted["raw"],
                    f"the approval channel message: {posted['raw'][:300] if posted else 'not posted'}")
        typed = self.teams(teams_activity(f"<at>Segura</at> approve {approval_id}", aad_object_id=TEAMS_USERS["bob"]))
        enables = self.wait_for_calls(target)
        state = self.wait_for_state(approval_id, {"executed"}, 10)[0]
        self.expect_state(approval_id, "executed", votes=1)
        self.expect(name, typed["status"] == 200 and len(enables) == 1 and state == "executed",
                    f"bob's approve: {typed['status']}, {len(enables)} enable calls, approval {state}")
        result = self.teams_webhook.wait(lambda p: f"Enabled credential {target}" in p["raw"], 10)
        self.expect(name, result, "the result did not reach the Teams incoming webhook")
        self.figure(name, f"'{WAITING}' card in {answer['seconds']:.2f} s; `approve <id>` by bob answered in "
                          f"{typed['seconds']:.2f} s: {len(enables)} enable call, approval {state}, result card "
                          f"{'posted' if result else 'missing'}")

    def scenario_api(self):
        name, target = "5 API", 65
        status, answer = self.api("servicenow", "POST", "/v1/actions", {
            "action": "enable", "target": {"kind": KIND, "id": target}, "ticket": f"CHG00000{target}",
            "requested_by": "svc-requester", "reason": "scripts/approval-test", "duration": "PT2H"})
        approval = (answer or {}).get("approval") or {}
        approval_id = approval.get("id")
        if not self.expect(name, status == 202 and (answer or {}).get("outcome") == "pending_approval"
                           and approval.get("state") == "pending" and APPROVAL_ID.fullmatch(approval_id or ""),
                           f"the enable was answered {status}: {json.dumps(answer)[:300]}"):
            return
        self.approvals[approval_id] = {"label": name, "target": target, "state": "pending", "votes": 0}
        path = f"/v1/approvals/{approval_id}"
        steps = [("change-board", path, "approve", "svc-requester", 403, "requester_cannot_approve"),
                 ("servicenow", path, "approve", "bob", 403, "approver_not_allowed"),
                 ("change-board", "/v1/approvals/apr_" + "0" * 32, "approve", "bob", 404, "approval_not_found"),
                 ("change-board", path, "approve", "bob", 200, None),
                 ("change-board", path, "approve", "carol", 409, "approval_decided")]
        answers = []
        for caller, step_path, decision, approver, expected, code in steps:
            if code is None:
                self.expect(name, not self.calls("enable", target), f"Segura was called before {approver} approved")
            got, body = self.api(caller, "POST", step_path, {"decision": decision, "approver": approver})
            error = ((body or {}).get("error") or {}).get("code") if got >= 400 else None
            answers.append(f"{approver}@{caller}:{got}{'/' + error if error else ''}")
            self.expect(name, got == expected and error == code,
                        f"{caller} approving as {approver}: {got} {json.dumps(body)[:300]}, expected {expected} {code}")
        decided = answers[-1]
        self.expect(name, "already approved by change-board at" in json.dumps(body),
                    f"approval_decided does not say who decided and when: {json.dumps(body)[:300]}")
        enables = self.wait_for_calls(target)
        self.expect_state(approval_id, "executed", votes=1)
        got, read = self.api("change-board", "GET", path)
        deadline = time.monotonic() + 10
        while (read or {}).get("state") != "executed" and time.monotonic() < deadline:
            time.sleep(0.1)
            got, read = self.api("change-board", "GET", path)
        self.expect(name, got == 200 and (read or {}).get("state") == "executed"
                    and (read or {}).get("execution_request_id"), f"GET {path}: {got} {json.dumps(read)[:300]}")
        listed_status, listed = self.api("change-board", "GET", "/v1/approvals?state=pending")
        listed_ids = json.dumps(listed)
        self.expect(name, listed_status == 200 and approval_id not in listed_ids,
                    f"GET /v1/approvals?state=pending: {listed_status} {listed_ids[:300]}")
        self.expect(name, len(enables) == 1, f"{len(enables)} enable calls, expected one")
        wanted = {"change-board": ["approval.requested"], "servicenow": ["approval.approved", "approval.executed"]}
        self.callbacks.wait(lambda p: (p["json"] or {}).get("type") == "approval.executed" and approval_id in p["raw"],
                            10)
        time.sleep(SETTLE_S)
        events = [p for p in self.callbacks.posts if str((p["json"] or {}).get("type")).startswith("approval.")
                  and ((p["json"] or {}).get("approval") or {}).get("id") == approval_id]
        kinds = {caller: sorted(p["json"]["type"] for p in events if p["path"].endswith("/" + caller))
                 for caller in wanted}
        executed = [p["json"] for p in events if p["json"]["type"] == "approval.executed"]
        self.expect(name, kinds == wanted and all(self.callback_signature_ok(p) for p in events),
                    f"approval callbacks {kinds}, expected {wanted}, each signed")
        self.expect(name, executed and (executed[0].get("result") or {}).get("outcome") == "applied",
                    f"approval.executed: {json.dumps(executed)[:300]}")
        self.figure(name, f"202 pending_approval; {', '.join(answers[:-1])}; then {decided}; {len(enables)} enable "
                          f"call, GET says {(read or {}).get('state')}; callbacks {kinds}, signed")

    def scenario_restarts(self):
        name, pending_target, slow_target = "6 restarts", 66, 67
        answer, path, pending = self.slack_request(pending_target)
        if pending is None:
            return
        pending_ready = self.restart("gateway-restart.log")
        clicked, _ = self.slack_click("bob", pending)
        enables = self.wait_for_calls(pending_target)
        state = self.wait_for_state(pending, {"executed"}, 10)[0]
        self.expect_state(pending, "executed", votes=1)
        result = self.replies.wait(lambda p: p["path"] == path and f"Enabled credential {pending_target}" in p["raw"],
                                   10)
        self.expect(name, clicked["status"] == 200 and len(enables) == 1 and state == "executed" and result,
                    f"(a) after the restart bob's Approve: {clicked['status']}, {len(enables)} enable calls, "
                    f"approval {state}, result to alice: {bool(result)}")
        answer, path, slow = self.slack_request(slow_target)
        if slow is None:
            return
        self.slow("enable", slow_target, 3000)
        self.slack_click("bob", slow)
        deadline = time.monotonic() + 10
        while not self.calls("enable", slow_target) and time.monotonic() < deadline:
            time.sleep(0.01)
        if not self.calls("enable", slow_target):
            raise Failure(f"{name}: the approved enable of credential {slow_target} did not reach Segura in 10 s")
        state_at_kill = self.approval_row(slow)[0]
        killed_at = now_ms()
        ready_after = self.restart("gateway-restart-2.log")
        row = self.wait_for_state(slow, {"executed"}, 20)
        converged_at = now_ms()
        self.expect_state(slow, "executed", votes=1)
        time.sleep(SETTLE_S)
        calls = self.calls("enable", slow_target)
        changes = [c for c in calls if c["applied"]]
        grants = self.query("SELECT id, state FROM access_grant WHERE target_kind = ? AND target_id = ?",
                            (KIND, slow_target))
        self.expect(name, row[0] == "executed" and row[2], f"(b) the approval is {row[0]} (execution {row[2]})")
        self.expect(name, len(changes) == 1, f"(b) {len(changes)} of {len(calls)} enable calls changed credential "
                                             f"{slow_target}, expected one")
        self.expect(name, len(grants) == 1 and grants[0][1] == "active", f"(b) grants for credential "
                                                                         f"{slow_target}: {grants}")
        state_now = simulator_object_state(self.simulator, slow_target)
        self.expect(name, state_now == "active", f"(b) credential {slow_target} is {state_now}")
        verified, line = self.verify_audit("after the second restart")
        self.expect(name, verified, f"audit verify after the restart: {line}")
        self.figure(name, f"(a) pending across a SIGKILL (ready again in {pending_ready:.2f} s), bob approved: "
                          f"{len(enables)} call, {state}; (b) killed with the approved enable in Segura "
                          f"({state_at_kill}), ready in {ready_after:.2f} s, executed "
                          f"{(converged_at - killed_at) / 1000:.2f} s after the kill; {len(calls)} enable call(s), "
                          f"{len(changes)} change, {len(grants)} grant; audit verify {'ok' if verified else 'FAILED'}")

    def final_checks(self):
        name = "end"
        history = {}
        for approval_id, expected in self.approvals.items():
            state, _, _ = self.approval_row(approval_id)
            votes = self.query("SELECT COUNT(*) FROM approval_vote WHERE approval_id = ?", (approval_id,))[0][0]
            decisions = [r[0] for r in self.query("SELECT decision FROM audit WHERE delivery_id = ? ORDER BY sequence",
                                                  (approval_id,))]
            history[approval_id] = decisions
            self.expect(name, state == expected["state"] and votes == expected["votes"],
                        f"{expected['label']} ({approval_id}): {state} with {votes} vote(s), expected "
                        f"{expected['state']} with {expected['votes']}")
            wanted = ["approval_requested"] + ["approval_granted"] * expected["votes"]
            wanted += {"denied": ["approval_denied"], "expired": ["approval_expired"]}.get(expected["state"], [])
            decided = [d for d in decisions if d.startswith("approval_")]
            acted = [d for d in decisions if d in ("applied", "already_in_state")]
            ran = expected["state"] == "executed"
            self.expect(name, decided == wanted and bool(acted) == ran
                        and (not ran or decisions.index(acted[0]) > decisions.index(wanted[-1])),
                        f"{expected['label']} ({approval_id}): audit {decisions}, expected {wanted}"
                        f"{' then applied' if ran else ''}")
        changed = {}
        for call in self.calls("enable"):
            changed[call["id"]] = changed.get(call["id"], 0) + (1 if call["applied"] else 0)
        self.expect(name, all(n == 1 for n in changed.values()), f"enable changes per credential: {changed}")
        self.expect(name, self.processes.end(self.processes.gateway, grace=10.0),
                    "the gateway did not stop within 10 s of SIGTERM")
        verified, line = self.verify_audit("at the end")
        self.expect(name, verified, f"audit verify at the end: {line}")
        self.expect_unlogged(name, list(self.channel_paths.values()) + [self.teams_webhook_path, self.button_secret]
                             + [secret[len("whsec_"):] for secret in self.api_secrets.values()])
        records = sum(len(d) for d in history.values())
        self.figure(name, f"{len(self.approvals)} approvals in their expected states, {records} audit records under "
                          f"their ids in order; {len(changed)} credentials changed once each; no URL or secret in "
                          f"the logs; chain verifies")

    def run(self):
        self.start()
        self.scenario_slack()
        self.scenario_deny_expiry()
        self.scenario_mattermost()
        self.scenario_teams()
        self.scenario_api()
        self.scenario_restarts()
        self.final_checks()

    def dump(self):
        super().dump()
        with open(os.path.join(self.work, "approval-channels.json"), "w", encoding="utf-8") as out:
            json.dump(self.channels.posts, out, indent=1)


if __name__ == "__main__":
    exit_with(lambda: main(ApprovalRun, "APPROVAL_TEST", 240, ("slack_sdk", "cryptography")))
