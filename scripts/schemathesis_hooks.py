"""Schemathesis hooks for segura-gateway (loaded by scripts/schemathesis through SCHEMATHESIS_HOOKS).

SEGURA_SIGNING selects the pass:

- ``standard-webhooks``: every request under ``/v1/`` (``POST /v1/actions``, ``GET /v1/actions/{request_id}``) is
  signed (``POST /v1/actions`` over its body, any other request over ``<METHOD> <path>[?<query>]\n`` and its body) as
  the demo caller
  ``demo-servicenow`` (Standard Webhooks v1) with the secret in ``DEMO_SECRET``. The MAC covers the exact
  bytes that go on the wire: the hook serializes the case the way the transport would, signs those bytes and
  hands them to the transport as ``data``, so the transport sends them verbatim instead of serializing again.
  Every request gets a fresh ``webhook-id`` and the current ``webhook-timestamp``, so nothing is a replay.
- ``none``: nothing is signed; the gateway must refuse every request under ``/v1/`` before it looks
  at the body.

Two custom checks, named in ``--checks`` by the script, make a wrong pass fail loudly:
``signed_request_authenticated`` (a signed request is never refused for its signature, which proves the
hook signs the bytes that are sent) and ``unsigned_request_refused`` (an unsigned request never gets past
authentication). ``SEGURA_SUMMARY_FILE``, when set, receives a JSON tally of the statuses and error codes
seen under ``/v1/``.
"""

from __future__ import annotations

import atexit
import base64
import collections
import hashlib
import hmac
import json
import os
import threading
import time
import urllib.parse
import uuid
from typing import Any

import requests
import schemathesis

SIGNED_PREFIX = "/v1/"
MODE = os.environ.get("SEGURA_SIGNING", "standard-webhooks")
if MODE not in ("standard-webhooks", "none"):
    raise RuntimeError(f"SEGURA_SIGNING must be 'standard-webhooks' or 'none', not {MODE!r}")

# Every header a Standard Webhooks verifier reads (the svix- spellings are aliases); all are replaced.
SIGNATURE_HEADERS = {"webhook-id", "webhook-timestamp", "webhook-signature", "svix-id", "svix-timestamp", "svix-signature"}

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


def _load_key() -> bytes:
    secret = os.environ.get("DEMO_SECRET", "")
    if not secret.startswith("whsec_"):
        raise RuntimeError("DEMO_SECRET must hold the demo's whsec_ secret when SEGURA_SIGNING=standard-webhooks")
    return base64.b64decode(secret[len("whsec_") :], validate=True)


KEY = _load_key() if MODE == "standard-webhooks" else b""

_lock = threading.Lock()
_tally: collections.Counter[str] = collections.Counter()
_signed = 0


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


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    global _signed
    if MODE != "standard-webhooks" or not case.path.startswith(SIGNED_PREFIX):
        return
    if any(name in kwargs for name in ("data", "json", "content", "files")):
        body = kwargs.get("data") or kwargs.get("content") or b""
        if not isinstance(body, (bytes, str)):
            raise RuntimeError("cannot sign a caller-supplied body that is not bytes or text")
        body = body.encode("utf-8") if isinstance(body, str) else body
    else:
        body = _wire_body(case)
        if body is not None:
            # Sent verbatim: the transport does not serialize the case again when it is given a body.
            kwargs["data"] = body
        else:
            body = b""
    method = str(kwargs.get("method") or case.method).upper()
    target = _request_target(case)
    if not (method == "POST" and urllib.parse.urlsplit(target).path == "/v1/actions"):
        # Any other request is signed over its method and exact target, then its body (the gateway's RequestBinding).
        body = f"{method} {target}\n".encode("utf-8") + body
    message_id = "msg_" + uuid.uuid4().hex
    timestamp = str(int(time.time()))
    mac = hmac.new(KEY, f"{message_id}.{timestamp}.".encode("ascii") + body, hashlib.sha256).digest()
    headers = {name: value for name, value in (case.headers or {}).items() if name.lower() not in SIGNATURE_HEADERS}
    headers["webhook-id"] = message_id
    headers["webhook-timestamp"] = timestamp
    headers["webhook-signature"] = "v1," + base64.b64encode(mac).decode("ascii")
    case.headers = headers
    with _lock:
        _signed += 1


def _error_code(response: Any) -> str | None:
    try:
        error = json.loads(response.content).get("error")
    except (ValueError, AttributeError, TypeError):
        return None
    return error.get("code") if isinstance(error, dict) else None


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    if not case.path.startswith(SIGNED_PREFIX):
        return
    with _lock:
        _tally[f"{response.status_code} {_error_code(response) or '-'}"] += 1


@schemathesis.check
def signed_request_authenticated(ctx: Any, response: Any, case: Any) -> bool | None:
    """A request the hook signed is never refused for its signature headers."""
    if MODE != "standard-webhooks" or not case.path.startswith(SIGNED_PREFIX):
        return None
    code = _error_code(response)
    if code in SIGNATURE_FAILURE_CODES:
        raise AssertionError(f"a request signed with the demo secret was refused with {response.status_code} {code}")
    return None


@schemathesis.check
def unsigned_request_refused(ctx: Any, response: Any, case: Any) -> bool | None:
    """An unsigned request never gets past authentication."""
    if MODE != "none" or not case.path.startswith(SIGNED_PREFIX):
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
        json.dump({"mode": MODE, "signed": _signed, "responses": dict(sorted(_tally.items()))}, handle, indent=1)


atexit.register(_write_summary)
