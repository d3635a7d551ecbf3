#!/usr/bin/env python3
"""Creates COUNT objects of KIND (default MySafe passwords), ids FIRST .. FIRST+COUNT-1, all in STATE (default
active), in a Segura simulator.

For scripts/bench-gateway and scripts/bench-grants, which spread their requests over these targets. Uses the
simulator's control API, PUT /_simulator/objects/{kind}/{id} with {"state": STATE} (it answers loopback peers
only), over one keep-alive connection, then reads the last one back.

    seed-targets.py SIMULATOR_URL FIRST COUNT [KIND [STATE]]
"""

import http.client
import json
import sys
import urllib.parse


def main() -> None:
    url, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    kind = sys.argv[4] if len(sys.argv) > 4 else "password"
    state = sys.argv[5] if len(sys.argv) > 5 else "active"
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http":
        sys.exit(f"seed-targets.py: {url} is not a plain-HTTP simulator")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    body = json.dumps({"state": state}).encode()

    def call(method: str, path: str, payload: bytes | None) -> tuple[int, bytes]:
        for attempt in range(2):
            try:
                headers = {"Content-Type": "application/json"} if payload is not None else {}
                connection.request(method, path, body=payload, headers=headers)
                answer = connection.getresponse()
                return answer.status, answer.read()
            except (http.client.HTTPException, OSError):
                connection.close()  # reconnects on the next request
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    for target in range(first, first + count):
        status, answer = call("PUT", f"/_simulator/objects/{kind}/{target}", body)
        if status != 200:
            sys.exit(f"seed-targets.py: PUT {kind} {target} answered {status}: {answer[:200]!r}")
    last = first + count - 1
    status, answer = call("GET", f"/_simulator/objects/{kind}/{last}", None)
    if status != 200 or json.loads(answer).get("state") != state:
        sys.exit(f"seed-targets.py: {kind} {last} reads back as {status} {answer[:200]!r}")
    connection.close()


if __name__ == "__main__":
    main()
