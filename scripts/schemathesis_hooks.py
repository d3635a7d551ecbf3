"""Schemathesis hooks for segura-gateway (loaded by scripts/schemathesis through SCHEMATHESIS_HOOKS).

SEGURA_SIGNING selects the pass:

- ``standard-webhooks``: every request under ``/v1/`` is authenticated as a demo caller of ``segura-gateway demo``,
  over the exact bytes that go on the wire: the hook serializes the case the way the transport would, signs those
  bytes and hands them to the transport as ``data``, so the transport sends them verbatim instead of serializing
  again.

  - ``/v1/chat/slack``: as ``demo-slack`` (``slack-v0``, the secret in ``DEMO_SLACK_SECRET``):
    ``X-Slack-Signature: v0=<hex HMAC-SHA256 of v0:{timestamp}:{body}>`` with the current
    ``X-Slack-Request-Timestamp``.
  - ``/v1/chat/teams``: as ``demo-teams`` (``teams-hmac``, the security token in ``DEMO_TEAMS_TOKEN``):
    ``Authorization: HMAC <base64 HMAC-SHA256 of the body>``, keyed with the base64-decoded token.
  - ``/v1/chat/mattermost``: as ``demo-mattermost`` (``static-token``, ``DEMO_MATTERMOST_TOKEN``):
    ``Authorization: Token <token>``, and the same token in the form's ``token`` field when the generated body
    has one, as Mattermost sends both (the gateway requires them to agree).
  - ``POST /v1/chat/mattermost/actions``: not signed. Mattermost posts clicks there unsigned, and the gateway checks
    the button's context, which it signed itself; every click either pass makes must be refused.
  - ``POST /v1/approvals/{approval_id}``: as ``demo-approver`` (Standard Webhooks v1, ``DEMO_APPROVER_SECRET``),
    the one caller that may decide ``demo-servicenow``'s held requests.
  - every other request under ``/v1/`` (``POST /v1/actions``, ``GET /v1/actions/{request_id}``, the grants, the
    approvals): as ``demo-servicenow`` (Standard Webhooks v1, the secret in ``DEMO_SECRET``).

  Standard Webhooks callers sign ``POST /v1/actions`` over its body, any other request over
  ``<METHOD> <path>[?<query>]\n`` and its body. Every request gets a fresh ``webhook-id`` and the current
  ``webhook-timestamp``, so nothing is a replay.

  A Slack button click whose payload names the documented example grant (``SlackInteraction.payload``'s
  example) is pointed at the newest grant a Slack answer offered to revoke in this run (the hook asks for one
  with a signed enable at ``GATEWAY_URL`` when there is none yet), so the click reaches the gateway's
  revocation and its empty answer. Likewise the documented example approval id (``ApprovalID``'s example) is
  pointed at a request ``demo-servicenow`` has held for approval (credential 900, which the demo's rule holds): a
  new one for each decision, so a decision can succeed, and the newest for a read.
- ``none``: nothing is signed; the gateway must refuse every request under ``/v1/`` before it looks
  at the body.

Two custom checks, named in ``--checks`` by the script, make a wrong pass fail loudly:
``signed_request_authenticated`` (a signed request is never refused for its signature, which proves the
hook signs the bytes that are sent) and ``unsigned_request_refused`` (an unsigned request never gets past
authentication). ``SEGURA_SUMMARY_FILE``, when set, receives a JSON tally of the statuses and error codes
seen under ``/v1/``, per route group (the chat routes one by one, everything else under ``/v1/`` together);
a chat message answered 200 is tallied by its tone and, for a refusal, its error code.
"""

from __future__ import annotations

import atexit
import base64
import collections
import hashlib
import hmac
import json
import os
import re
import threading
import time
import urllib.parse
import uuid
from typing import Any

import requests
import schemathesis

SIGNED_PREFIX = "/v1/"
# The chat routes and the platform each one admits.
CHAT_ROUTES = {"/v1/chat/slack": "slack", "/v1/chat/teams": "teams", "/v1/chat/mattermost": "mattermost"}
# The grant id in the documented example of a Slack button click (SlackInteraction.payload).
EXAMPLE_GRANT_ID = "grt_019ab3c4d5e67f808a1b2c3d4e5f6a7b"
# The route Mattermost posts button clicks to. No caller signs it: the gateway checks the button's context, which it
# signed itself when it posted the buttons, so neither pass can make a click it accepts, and every click is refused.
CLICK_ROUTES = {"/v1/chat/mattermost/actions"}
# The approval id in the documented example of the approval routes (components.parameters.ApprovalID).
EXAMPLE_APPROVAL_ID = "apr_019ab3c4d5e67f808a1b2c3d4e5f6a7b"
# The path of the one route demo-approver signs.
DECISION_PATH = "/v1/approvals/{approval_id}"
MODE = os.environ.get("SEGURA_SIGNING", "standard-webhooks")
if MODE not in ("standard-webhooks", "none"):
    raise RuntimeError(f"SEGURA_SIGNING must be 'standard-webhooks' or 'none', not {MODE!r}")

# Every header a Standard Webhooks verifier reads (the svix- spellings are aliases); all are replaced.
SIGNATURE_HEADERS = {"webhook-id", "webhook-timestamp", "webhook-signature", "svix-id", "svix-timestamp", "svix-signature"}
# The headers a chat platform's authentication is read from; all are replaced on a chat route.
CHAT_SIGNATURE_HEADERS = {"authorization", "x-slack-signature", "x-slack-request-timestamp"}

# Error codes that mean "your signature headers are wrong": a correctly signed request never gets one.
SIGNATURE_FAILURE_CODES = {
    "missing_signature",
    "malformed_signature",
    "malformed_timestamp",
    "stale_timestamp",
    "future_timestamp",
    "signature_mismatch",
    "duplicate_header",
    "malformed_delivery_id",
}
# Everything the gateway may answer before a caller is authenticated.
PRE_AUTHENTICATION_CODES = SIGNATURE_FAILURE_CODES | {
    "malformed_idempotency_key",
    "payload_too_large",
    "method_not_allowed",
    "invalid_path",
    "not_found",
}


def _secret(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise RuntimeError(f"{name} must hold the demo's secret when SEGURA_SIGNING=standard-webhooks")
    return value


def _load_keys() -> dict[str, bytes]:
    webhook_secret = _secret("DEMO_SECRET")
    approver_secret = _secret("DEMO_APPROVER_SECRET")
    if not (webhook_secret.startswith("whsec_") and approver_secret.startswith("whsec_")):
        raise RuntimeError("DEMO_SECRET and DEMO_APPROVER_SECRET must hold the demo's whsec_ secrets when SEGURA_SIGNING=standard-webhooks")
    return {
        "standard-webhooks": base64.b64decode(webhook_secret[len("whsec_") :], validate=True),
        "approver": base64.b64decode(approver_secret[len("whsec_") :], validate=True),
        # Slack's signing secret is the key as it is written.
        "slack": _secret("DEMO_SLACK_SECRET").encode("ascii"),
        # Teams shows its security token in base64; the key is what it decodes to.
        "teams": base64.b64decode(_secret("DEMO_TEAMS_TOKEN"), validate=True),
        "mattermost": _secret("DEMO_MATTERMOST_TOKEN").encode("ascii"),
    }


KEYS = _load_keys() if MODE == "standard-webhooks" else {}

_lock = threading.Lock()
_tally: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
_signed: collections.Counter[str] = collections.Counter()
# Grants a Slack answer offered a Revoke button for, newest last.
_offered_grants: list[str] = []
# Requests demo-servicenow had held for approval, newest last.
_held_approvals: list[str] = []


def _wire_body(case: Any) -> bytes | None:
    """The body the transport would send for this case, as bytes (None when there is no body)."""
    serialized = case.as_transport_kwargs()
    body_kwargs = {name: serialized[name] for name in ("data", "json", "files") if name in serialized}
    if not body_kwargs:
        return None
    # requests' own preparation, so the bytes are the ones `requests` would have produced.
    prepared = requests.Request(
        method=serialized.get("method", "POST"), url="http://127.0.0.1/", headers=serialized.get("headers") or {}, **body_kwargs
    ).prepare()
    body = prepared.body
    if body is None:
        return None
    if isinstance(body, str):
        body = body.encode("utf-8")
    if "files" in body_kwargs:
        # A multipart body names its boundary in Content-Type; send the header that matches these bytes.
        case.headers = dict(case.headers or {})
        for name in [name for name in case.headers if name.lower() == "content-type"]:
            del case.headers[name]
        case.headers["Content-Type"] = prepared.headers["Content-Type"]
    return bytes(body)


def _request_target(case: Any) -> str:
    """The path and query exactly as the transport will send them: its own serialization of the case, prepared
    by ``requests`` as the transport prepares it."""
    serialized = case.as_transport_kwargs(base_url="http://127.0.0.1")
    prepared = requests.Request(method=serialized.get("method", "GET"), url=serialized["url"], params=serialized.get("params")).prepare()
    parts = urllib.parse.urlsplit(prepared.url)
    return parts.path + ("?" + parts.query if parts.query else "")


def _route_group(case: Any) -> str | None:
    """The tally's name for the case's route: a chat route, the rest of ``/v1/``, or None outside it."""
    if case.path in CHAT_ROUTES:
        return case.path
    return "/v1/ (not chat)" if case.path.startswith(SIGNED_PREFIX) else None


def _form_fields(body: Any) -> Any:
    """The body with every ``token`` field set to the demo Mattermost token, when it is a form the transport
    encodes (a mapping, or a list of pairs); anything else is returned as it is."""
    token = KEYS["mattermost"].decode("ascii")
    if isinstance(body, dict) and "token" in body:
        return {**body, "token": token}
    if isinstance(body, list) and all(isinstance(item, tuple) and len(item) == 2 for item in body):
        return [(name, token if name == "token" else value) for name, value in body]
    return body


def _slack_headers(body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    mac = hmac.new(KEYS["slack"], f"v0:{timestamp}:".encode("ascii") + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=" + mac}


def _offered_grant() -> str | None:
    """The newest grant a Slack answer offered to revoke; when there is none yet, the demo person asks for one
    with the documented enable command."""
    with _lock:
        if _offered_grants:
            return _offered_grants[-1]
    url = os.environ.get("GATEWAY_URL")
    if not url:
        return None
    body = urllib.parse.urlencode(
        {
            "team_id": "T0DEMO",
            "user_id": "U0DEMO",
            "command": "/segura",
            "text": "enable credential 42 for ticket CHG0012345 for 2h",
            "trigger_id": "hook." + uuid.uuid4().hex,
            "response_url": "http://127.0.0.1/reply",
        }
    ).encode("ascii")
    headers = {"Content-Type": "application/x-www-form-urlencoded", **_slack_headers(body)}
    response = requests.post(url + "/v1/chat/slack", data=body, headers=headers, timeout=30)
    offered = _revoke_buttons(response.content)
    with _lock:
        _offered_grants.extend(offered)
    return offered[-1] if offered else None


def _revoke_buttons(content: bytes) -> list[str]:
    """The grant ids of the Revoke buttons in a Slack message (the button's value is the grant id)."""
    return re.findall(r'"action_id":"segura\.revoke_grant".*?"value":"(grt_[0-9a-f]+)"', content.decode("utf-8", "replace"))


def _with_offered_grant(body: Any) -> Any:
    """A Slack button click on the documented example grant, pointed at a grant the demo person holds."""
    if not isinstance(body, dict) or not isinstance(body.get("payload"), str) or EXAMPLE_GRANT_ID not in body["payload"]:
        return body
    grant = _offered_grant()
    return {**body, "payload": body["payload"].replace(EXAMPLE_GRANT_ID, grant)} if grant else body


def _standard_webhooks_headers(key: bytes, body: bytes) -> dict[str, str]:
    message_id = "msg_" + uuid.uuid4().hex
    timestamp = str(int(time.time()))
    mac = hmac.new(key, f"{message_id}.{timestamp}.".encode("ascii") + body, hashlib.sha256).digest()
    return {"webhook-id": message_id, "webhook-timestamp": timestamp, "webhook-signature": "v1," + base64.b64encode(mac).decode("ascii")}


def _held_approval(new: bool) -> str | None:
    """A request demo-servicenow had held for approval: a new one when ``new``, else the newest (asked for when there
    is none yet)."""
    if not new:
        with _lock:
            if _held_approvals:
                return _held_approvals[-1]
    url = os.environ.get("GATEWAY_URL")
    if not url:
        return None
    body = json.dumps(
        {"action": "enable", "target": {"kind": "credential", "id": 900}, "ticket": "CHG0012345", "requested_by": "schemathesis", "duration": "PT1H"}
    ).encode("utf-8")
    headers = {"Content-Type": "application/json", **_standard_webhooks_headers(KEYS["standard-webhooks"], body)}
    response = requests.post(url + "/v1/actions", data=body, headers=headers, timeout=30)
    try:
        approval = json.loads(response.content).get("approval") or {}
    except ValueError:
        return None
    held = approval.get("id")
    if isinstance(held, str):
        with _lock:
            _held_approvals.append(held)
    return held if isinstance(held, str) else None


def _with_held_approval(case: Any) -> None:
    """Points a case on the documented example approval id at a request the demo holds for approval."""
    parameters = case.path_parameters or {}
    if parameters.get("approval_id") != EXAMPLE_APPROVAL_ID:
        return
    held = _held_approval(new=case.method.upper() == "POST")
    if held:
        case.path_parameters = {**parameters, "approval_id": held}


def _exact_body(case: Any, kwargs: dict[str, Any]) -> bytes:
    """The exact bytes the transport will send, handed to it as ``data`` when the hook serialized them."""
    if any(name in kwargs for name in ("data", "json", "content", "files")):
        body = kwargs.get("data") or kwargs.get("content") or b""
        if not isinstance(body, (bytes, str)):
            raise RuntimeError("cannot sign a caller-supplied body that is not bytes or text")
        return body.encode("utf-8") if isinstance(body, str) else body
    body = _wire_body(case)
    if body is None:
        return b""
    # Sent verbatim: the transport does not serialize the case again when it is given a body.
    kwargs["data"] = body
    return body


def _replace_headers(case: Any, replaced: set[str], new: dict[str, str]) -> None:
    headers = {name: value for name, value in (case.headers or {}).items() if name.lower() not in replaced}
    headers.update(new)
    case.headers = headers


def _sign_chat(case: Any, kwargs: dict[str, Any], platform: str) -> None:
    if platform == "mattermost" and not any(name in kwargs for name in ("data", "json", "content", "files")):
        case.body = _form_fields(case.body)
    if platform == "slack" and not any(name in kwargs for name in ("data", "json", "content", "files")):
        case.body = _with_offered_grant(case.body)
    body = _exact_body(case, kwargs)
    key = KEYS[platform]
    if platform == "slack":
        new = _slack_headers(body)
    elif platform == "teams":
        new = {"Authorization": "HMAC " + base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode("ascii")}
    else:
        new = {"Authorization": "Token " + key.decode("ascii")}
    _replace_headers(case, CHAT_SIGNATURE_HEADERS | SIGNATURE_HEADERS, new)


def _sign_standard_webhooks(case: Any, kwargs: dict[str, Any]) -> None:
    _with_held_approval(case)
    body = _exact_body(case, kwargs)
    method = str(kwargs.get("method") or case.method).upper()
    target = _request_target(case)
    if not (method == "POST" and urllib.parse.urlsplit(target).path == "/v1/actions"):
        # Any other request is signed over its method and exact target, then its body (the gateway's RequestBinding).
        body = f"{method} {target}\n".encode("utf-8") + body
    key = KEYS["approver" if method == "POST" and case.path == DECISION_PATH else "standard-webhooks"]
    _replace_headers(case, SIGNATURE_HEADERS, _standard_webhooks_headers(key, body))


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    group = _route_group(case)
    if MODE != "standard-webhooks" or group is None or case.path in CLICK_ROUTES:
        return
    platform = CHAT_ROUTES.get(case.path)
    if platform is not None:
        _sign_chat(case, kwargs, platform)
    else:
        _sign_standard_webhooks(case, kwargs)
    with _lock:
        _signed[group] += 1


def _error_code(response: Any) -> str | None:
    try:
        error = json.loads(response.content).get("error")
    except (ValueError, AttributeError, TypeError):
        return None
    return error.get("code") if isinstance(error, dict) else None


TONES = ("✅", "ℹ️", "⏳", "⚠️", "❌")


def _chat_message_key(response: Any) -> str:
    """A 200 chat answer by what it shows: ``(empty)``, or its tone and, for a refusal, the error code."""
    if not response.content:
        return "(empty)"
    text = response.content.decode("utf-8", errors="replace")
    found = [(text.find(tone), tone) for tone in TONES if tone in text]
    tone = min(found)[1] if found else "?"
    # Slack and Mattermost write "Error: `code`"; a Teams card has the fact {"title":"Error","value":"`code`"}.
    code = re.search(r'Error(?:","value":")?\W+([a-z][a-z_]+)', text) if tone == "❌" else None
    return tone + (" " + code.group(1) if code else "")


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    group = _route_group(case)
    if group is None:
        return
    if group in CHAT_ROUTES and response.status_code == 200:
        key = f"200 {_chat_message_key(response)}"
        if case.path == "/v1/chat/slack":
            offered = _revoke_buttons(response.content)
            with _lock:
                _offered_grants.extend(offered)
    else:
        key = f"{response.status_code} {_error_code(response) or '-'}"
    with _lock:
        _tally[group][key] += 1


def _expect_click_refused(response: Any) -> None:
    """A click on a button the gateway did not sign is never acted on."""
    if response.status_code < 400:
        raise AssertionError(f"a Mattermost click the gateway did not sign was answered {response.status_code}, not refused")


@schemathesis.check
def signed_request_authenticated(ctx: Any, response: Any, case: Any) -> bool | None:
    """A request the hook signed is never refused for its signature headers."""
    if MODE != "standard-webhooks" or _route_group(case) is None:
        return None
    if case.path in CLICK_ROUTES:
        _expect_click_refused(response)
        return None
    code = _error_code(response)
    if code in SIGNATURE_FAILURE_CODES:
        raise AssertionError(f"a request signed with the demo secret was refused with {response.status_code} {code}")
    return None


@schemathesis.check
def unsigned_request_refused(ctx: Any, response: Any, case: Any) -> bool | None:
    """An unsigned request never gets past authentication."""
    if MODE != "none" or _route_group(case) is None:
        return None
    if case.path in CLICK_ROUTES:
        _expect_click_refused(response)
        return None
    code = _error_code(response)
    # 405: a method other than POST is refused before authentication is even attempted.
    if response.status_code not in (400, 401, 404, 405, 413) or code not in PRE_AUTHENTICATION_CODES:
        raise AssertionError(f"an unsigned request was answered {response.status_code} {code}, not refused before authentication")
    return None


def _write_summary() -> None:
    path = os.environ.get("SEGURA_SUMMARY_FILE")
    if not path:
        return
    with _lock, open(path, "w", encoding="utf-8") as handle:
        routes = {group: {"signed": _signed[group], "responses": dict(sorted(tally.items()))} for group, tally in sorted(_tally.items())}
        json.dump({"mode": MODE, "routes": routes}, handle, indent=1, ensure_ascii=False)


atexit.register(_write_summary)
