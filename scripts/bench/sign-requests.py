#!/usr/bin/env python3
"""Pre-signs COUNT Standard Webhooks deliveries for scripts/bench/standard-webhooks.lua.

Reads the whsec_ secret from DEMO_SECRET, the body from BENCH_BODY_TEMPLATE with its @ID@ replaced by a
target id, and the ids from BENCH_TARGET_FIRST and BENCH_TARGET_COUNT (all from the environment, never
argv). Writes one "webhook-id webhook-timestamp webhook-signature body" line per delivery to PATH; line i
names target FIRST + i mod COUNT, so consecutive deliveries name different targets. Every id is new (a
random prefix per file, then the line number); all share the current timestamp, which the gateway accepts
for 5 minutes.

    sign-requests.py COUNT PATH
"""

import base64
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
    template = os.environ["BENCH_BODY_TEMPLATE"]
    first, targets = int(os.environ["BENCH_TARGET_FIRST"]), int(os.environ["BENCH_TARGET_COUNT"])
    bodies = [template.replace("@ID@", str(first + offset)).encode("utf-8") for offset in range(targets)]
    if any(b"\n" in body for body in bodies):
        sys.exit("BENCH_BODY_TEMPLATE must fit on one line")
    timestamp = str(int(time.time()))
    prefix = uuid.uuid4().hex[:12]
    with open(path, "wb") as out:
        for index in range(count):
            message_id = f"msg_{prefix}{index:010d}"
            body = bodies[index % targets]
            mac = hmac.digest(key, f"{message_id}.{timestamp}.".encode("ascii") + body, "sha256")
            out.write(f"{message_id} {timestamp} v1,{base64.b64encode(mac).decode('ascii')} ".encode("ascii") + body + b"\n")


if __name__ == "__main__":
    main()
