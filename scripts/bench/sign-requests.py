#!/usr/bin/env python3
"""Pre-signs COUNT Standard Webhooks deliveries of one body for scripts/bench/standard-webhooks.lua.

Reads the whsec_ secret from DEMO_SECRET and the body from BENCH_BODY (the environment, never argv), and
writes one "webhook-id webhook-timestamp webhook-signature" line per delivery to PATH. Every id is new;
all share the current timestamp, which the gateway accepts for 5 minutes.

    sign-requests.py COUNT PATH
"""

import base64
import hashlib
import hmac
import os
import sys
import time
import uuid


def main() -> None:
    count, path = int(sys.argv[1]), sys.argv[2]
    secret = os.environ["DEMO_SECRET"]
    if not secret.startswith("whsec_"):
        sys.exit("DEMO_SECRET is not a whsec_ secret")
    key = base64.b64decode(secret[len("whsec_"):], validate=True)
    body = os.environ["BENCH_BODY"].encode("utf-8")
    timestamp = str(int(time.time()))
    prefix = uuid.uuid4().hex[:12]
    with open(path, "w", encoding="ascii") as out:
        for index in range(count):
            message_id = f"msg_{prefix}{index:010d}"
            mac = hmac.new(key, f"{message_id}.{timestamp}.".encode("ascii") + body, hashlib.sha256).digest()
            out.write(f"{message_id} {timestamp} v1,{base64.b64encode(mac).decode('ascii')}\n")


if __name__ == "__main__":
    main()
