#!/usr/bin/env python3
"""Reads a running durable gateway's SQLite store from outside, for scripts/bench-gateway.

    store-stats.py PATH              prints "COMMITS WRITES"
    store-stats.py PATH decisions    prints "decision count" lines, one per audit decision

COMMITS is the WAL index header's change counter (PATH-shm), which SQLite increments on every committed
write transaction: with the store's group commit, one per batch, and each one fsyncs the WAL
(synchronous=FULL). It counts from the store's opening (schema migration included), so use differences.
WRITES is the audit chain's head sequence. In the benchmark every write the group-commit queue takes carries
exactly one audit record (a claim that is taken, with its `accepted` record; an outcome, with its stored
answer; a refusal or a replay), so it counts the queued writes: two per action. Both need no change to the gateway: the store is opened read-only.
"""

import sqlite3
import struct
import sys
import time


def change_counter(path: str) -> int:
    # Two copies of the 48-byte WalIndexHdr in native byte order: iVersion, unused, iChange, isInit, ...
    # A writer updates them one after the other; equal copies are a consistent read.
    for _ in range(100):
        with open(path + "-shm", "rb") as shm:
            header = shm.read(96)
        if len(header) == 96 and header[:48] == header[48:]:
            version, _, changes, initialized = struct.unpack_from("=IIIB", header, 0)
            if version != 3007000 or initialized != 1:
                sys.exit(f"store-stats.py: {path}-shm has no WAL index header this script knows")
            return changes
        time.sleep(0.01)
    sys.exit(f"store-stats.py: {path}-shm kept changing")


def main() -> None:
    path = sys.argv[1]
    database = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        if sys.argv[2:] == ["decisions"]:
            for decision, count in database.execute("SELECT decision, count(*) FROM audit GROUP BY decision ORDER BY decision"):
                print(decision, count)
            return
        commits = change_counter(path)
        (writes,) = database.execute("SELECT sequence FROM audit_head WHERE id = 1").fetchone() or (0,)
        print(commits, writes)
    finally:
        database.close()


if __name__ == "__main__":
    main()
