#!/usr/bin/env python3
"""The Python half of scripts/abuse-test: the attacks, the measurements and the checks. Standard library only.

scripts/abuse-test starts the simulator and the gateway, documents the ABUSE_TEST_* settings and explains the
properties; this file attacks the gateway on 127.0.0.1 and judges what it saw.

    abuse_test.py --gateway URL --ops URL --pid PID --store PATH ...
                    the four phases, one after another; prints the summary table and exits 1 when a property
                    does not hold (the simulator's seed is crash_test.py's: crash_test.py seed --count N --out F)

Phases (a connection attack opens its connections for at most --phase-seconds, then waits until the server has
closed every one of them, or until each has passed its bound):
    slowloris  --slow connections send a request head, then one more header byte every --slow-interval s
    idle       --idle connections are opened and left silent
    bodies     --bodies connections send a POST /v1/actions head with Content-Length: 65536, 65535 body bytes,
               and hold
    bad-macs   --bad-macs requests of POST /v1/actions with well-formed Standard Webhooks headers and a random
               MAC over --bad-mac-connections keep-alive connections; every one must answer 401
Throughout: GET /healthz on a fresh connection every --probe-interval s on the operations listener (--ops, the
one that is judged) and, for information, on the main listener; the gateway's VmRSS, VmHWM and open descriptors
from /proc every --sample-interval s; and segura_gateway_open_connections from the operations listener's
/metrics every 0.5 s. In each attack phase a signed request (Standard Webhooks) is sent while the attack holds
its connections and another once they are closed; both must answer 200.

Attack sockets are non-blocking and served by one selectors loop (no thread per connection); the ones still open
at the end of a phase are closed with SO_LINGER 0 (a reset, so no TIME_WAIT eats the ephemeral ports).
The Standard Webhooks secret comes from the environment variable named by --secret-env, never from argv.
"""

import argparse
import base64
import collections
import errno
import heapq
import http.client
import json
import math
import os
import resource
import selectors
import signal
import socket
import sqlite3
import struct
import sys
import threading
import time

# Signing, the seed and URL helpers are crash_test.py's (scripts/crash-test), not a copy of them.
sys.dont_write_bytecode = True  # no scripts/__pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crash_test import KIND, Signer, split_url  # noqa: E402

SLOW_PREFIX = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: "
BODY_BYTES = 65536
# Hummingbird checks the connection cap when the server channel asks for more (read()), and one read accepts up
# to NIO's maxMessagesPerRead (4) connections, so segura_gateway_open_connections can pass max_connections by up
# to 3. Bounded, and Hummingbird's mechanism, not the gateway's; the gauge is held to max_connections + 3.
ACCEPT_BATCH = 4
RECOVERY_SLACK = 16  # descriptors above the phase's start that count as "recovered" after an attack
SIGNED_CONNECT_TIMEOUT = 1.0  # the signed requests' connect timeout: a SYN dropped past the backlog is sent
# again after 1 s by a fresh connect(), not after the kernel's exponential backoff (1, 3, 7, 15 s)


def log(message):
    print(f"abuse-test: {message}", file=sys.stderr, flush=True)


def percentile(values, fraction):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))  # ceil(n * fraction)
    return ordered[int(rank) - 1]


def median(values):
    return percentile(values, 0.5) if values else None


def raise_nofile():
    """Soft RLIMIT_NOFILE up to the hard limit; returns (soft, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError) as error:
            log(f"could not raise the descriptor limit from {soft} to {hard}: {error}")
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def own_fd_count():
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 0


TCP_STATES = {"01": "established", "03": "syn-recv"}  # /proc/net/tcp's st column; the rest: "other"


def server_side_states(server_port):
    """{client port: state} of the sockets on 127.0.0.1:server_port's side of connections from 127.0.0.1, from
    /proc/net/tcp: "established" (accepted by the gateway, or in the listen backlog), "syn-recv" (the kernel's SYN
    queue: not yet in the backlog) or "other" (closing). A client port that is missing has no socket at all on
    the server's side. None if /proc/net/tcp cannot be read."""
    states = {}
    try:
        with open("/proc/net/tcp", encoding="ascii") as table:
            next(table)
            for line in table:
                fields = line.split()
                local, remote, state = fields[1], fields[2], fields[3]
                if int(local.split(":")[1], 16) == server_port and remote.startswith("0100007F:"):
                    states[int(remote.split(":")[1], 16)] = TCP_STATES.get(state, "other")
    except (OSError, StopIteration, IndexError, ValueError):
        return None
    return states


def scrape_metrics(ops, timeout=2.0):
    """The operations listener's /metrics as {series: value} ("name{labels}" as written), or None."""
    host, port = split_url(ops)
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", "/metrics")
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        if response.status != 200:
            return None
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()
    series = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        try:
            series[key.strip()] = float(value)
        except ValueError:
            continue
    return series


def metric_sum(series, name, **labels):
    """The sum of `name`'s series whose labels include `labels` (None when the scrape failed)."""
    if series is None:
        return None
    total = 0.0
    for key, value in series.items():
        base, _, rest = key.partition("{")
        if base != name:
            continue
        if all(f'{label}="{wanted}"' in rest for label, wanted in labels.items()):
            total += value
    return total


def metric_by_label(series, name, label):
    """{label value: value} of `name`'s series (None when the scrape failed)."""
    if series is None:
        return None
    out = {}
    marker = f'{label}="'
    for key, value in series.items():
        base, _, rest = key.partition("{")
        if base == name and marker in rest:
            out[rest.split(marker, 1)[1].split('"', 1)[0]] = value
    return out


def metric_delta(before, after, name, label):
    """{label value: increase} of a counter between two scrapes (None when one failed)."""
    first, second = metric_by_label(before, name, label), metric_by_label(after, name, label)
    if first is None or second is None:
        return None
    return {key: int(second[key] - first.get(key, 0)) for key in second if second[key] != first.get(key, 0)}


def action_body(target):
    return json.dumps(
        {"action": "enable", "target": {"kind": KIND, "id": target}, "ticket": f"CHG{target:07d}",
         "requested_by": "abuse-test"},
        separators=(",", ":"),
    ).encode()


# --- sampler and prober ---------------------------------------------------------------------------------


class Sampler(threading.Thread):
    """The gateway's VmRSS / VmHWM (KiB) and open descriptors every `interval` seconds."""

    def __init__(self, pid, interval):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.samples = []  # (monotonic, rss_kib, hwm_kib, fds)
        self.gone_at = None
        self.stopping = threading.Event()

    def sample(self):
        try:
            with open(f"/proc/{self.pid}/status", encoding="ascii", errors="replace") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
            if fields.get("State", "").strip().startswith(("Z", "X")):
                raise ProcessLookupError
            rss = int(fields["VmRSS"].split()[0])
            hwm = int(fields["VmHWM"].split()[0])
            fds = len(os.listdir(f"/proc/{self.pid}/fd"))
        except (OSError, KeyError, ValueError, ProcessLookupError):
            if self.gone_at is None:
                self.gone_at = time.monotonic()
            return None
        sample = (time.monotonic(), rss, hwm, fds)
        self.samples.append(sample)
        return sample

    def run(self):
        while not self.stopping.is_set():
            self.sample()
            self.stopping.wait(self.interval)

    def window(self, start, end):
        return [s for s in self.samples if start <= s[0] <= end]


class OpenConnectionsSampler(threading.Thread):
    """segura_gateway_open_connections from the operations listener's /metrics every `interval` seconds."""

    def __init__(self, ops, interval):
        super().__init__(daemon=True)
        self.ops = ops
        self.interval = interval
        self.samples = []  # (monotonic, open connections)
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            value = metric_sum(scrape_metrics(self.ops, timeout=1.0), "segura_gateway_open_connections")
            if value is not None:
                self.samples.append((time.monotonic(), int(value)))
            self.stopping.wait(self.interval)

    def window(self, start, end):
        return [s for s in self.samples if start <= s[0] <= end]


class Prober(threading.Thread):
    """GET /healthz on a fresh connection every `interval` s, each in a short-lived thread with a timeout."""

    def __init__(self, host, port, interval, timeout, attack_open):
        super().__init__(daemon=True)
        self.host, self.port = host, port
        self.interval = interval
        self.timeout = timeout
        self.attack_open = attack_open  # callable: attack connections open right now
        self.results = []  # dicts: t, ms, outcome (ok/refused/timeout/bad/error/client), attack_open, detail
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.inflight = []

    def probe(self):
        started = time.monotonic()
        record = {"t": started, "attack_open": self.attack_open(), "outcome": None, "ms": None, "detail": ""}
        sock = None
        try:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
            except OSError as error:
                if error.errno in (errno.EMFILE, errno.ENFILE, errno.EADDRNOTAVAIL, errno.ENOBUFS):
                    record["outcome"], record["detail"] = "client", f"client: {error}"
                    return
                raise
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                sock.settimeout(max(0.01, self.timeout - (time.monotonic() - started)))
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
                head, separator, body = data.partition(b"\r\n\r\n")
                if separator:
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value.strip() or 0)
                    if len(body) >= length:
                        break
            if not data:
                record["outcome"], record["detail"] = "refused", "closed before answering"
            else:
                status_line = data.split(b"\r\n", 1)[0].decode("latin-1")
                parts = status_line.split()
                ok = len(parts) >= 2 and parts[1] == "200"
                record["outcome"], record["detail"] = ("ok" if ok else "bad"), status_line[:60]
        except socket.timeout:
            record["outcome"], record["detail"] = "timeout", f"no answer within {self.timeout:g} s"
        except (ConnectionRefusedError, ConnectionResetError, BrokenPipeError) as error:
            record["outcome"], record["detail"] = "refused", type(error).__name__
        except OSError as error:
            record["outcome"], record["detail"] = "error", f"{type(error).__name__}: {error}"
        finally:
            if sock is not None:
                sock.close()
            record["ms"] = (time.monotonic() - started) * 1000
            with self.lock:
                self.results.append(record)

    def run(self):
        next_at = time.monotonic()
        while not self.stopping.is_set():
            thread = threading.Thread(target=self.probe, daemon=True)
            thread.start()
            self.inflight = [t for t in self.inflight if t.is_alive()] + [thread]
            next_at += self.interval
            self.stopping.wait(max(0.0, next_at - time.monotonic()))

    def finish(self):
        self.stopping.set()
        self.join(5)
        for thread in self.inflight:
            thread.join(self.timeout + 1)

    def window(self, start, end):
        with self.lock:
            return [r for r in self.results if start <= r["t"] < end]

    def count_between(self, start, end):
        with self.lock:
            return sum(1 for r in self.results if start <= r["t"] < end)


# --- signed requests ------------------------------------------------------------------------------------


def signed_action(gateway, signer, delivery_id, target, budget):
    """A signed POST /v1/actions on a fresh connection, answered within `budget` seconds or not at all.

    connect() has a SIGNED_CONNECT_TIMEOUT timeout: past the listen backlog the kernel drops the SYN, and a real
    client tries again; so does this one, at once, with a new connect(). Once connected, the request may wait in
    the backlog until the gateway accepts it (that is the connection cap's design), up to the rest of the budget.
    A connection closed or reset before answering is tried again after 0.2 s with the same delivery id (the
    gateway answers a repeated delivery from its store). Returns a dict: status, outcome, attempts,
    connect_retries, refused, seconds, error.
    """
    host, port = split_url(gateway)
    body = action_body(target)
    started = time.monotonic()
    result = {"status": None, "outcome": None, "attempts": 0, "connect_retries": 0, "refused": 0, "seconds": None,
              "error": None}
    while True:
        remaining = budget - (time.monotonic() - started)
        if remaining <= 0:
            result["error"] = f"no answer within {budget:g} s" + (f"; last: {result['error']}" if result["error"] else "")
            break
        result["attempts"] += 1
        connection = http.client.HTTPConnection(host, port, timeout=min(SIGNED_CONNECT_TIMEOUT, remaining))
        try:
            try:
                connection.connect()
            except (socket.timeout, ConnectionRefusedError) as error:
                result["connect_retries"] += 1
                result["error"] = f"connect: {type(error).__name__}"
                if isinstance(error, ConnectionRefusedError):
                    time.sleep(0.2)
                continue
            connection.sock.settimeout(max(0.01, budget - (time.monotonic() - started)))
            headers = signer.headers(delivery_id, body)
            headers["Connection"] = "close"
            connection.request("POST", "/v1/actions", body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            result["status"] = response.status
            try:
                parsed = json.loads(raw)
                result["outcome"] = parsed.get("outcome") if isinstance(parsed, dict) else None
                if response.status != 200 and isinstance(parsed, dict):
                    result["error"] = json.dumps(parsed.get("error") or parsed)[:200]
            except ValueError:
                result["error"] = raw[:200].decode("utf-8", "replace")
            break
        except socket.timeout:
            result["error"] = f"no answer within {budget:g} s (attempt {result['attempts']})"
            break
        except (ConnectionRefusedError, ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected) as error:
            result["refused"] += 1
            result["error"] = f"{type(error).__name__} (refused {result['refused']}x)"
            time.sleep(0.2)
        except (OSError, http.client.HTTPException) as error:
            result["error"] = f"{type(error).__name__}: {error}"
            break
        finally:
            connection.close()
    result["seconds"] = time.monotonic() - started
    if result["status"] == 200:
        result["error"] = None
    return result


class SignedInBackground(threading.Thread):
    def __init__(self, *args):
        super().__init__(daemon=True)
        self.args = args
        self.result = None
        self.started_at = None

    def run(self):
        self.started_at = time.monotonic()
        self.result = signed_action(*self.args)


# --- connection attacks ---------------------------------------------------------------------------------


class Conn:
    __slots__ = ("sock", "state", "t_start", "t_est", "t_first", "t_close", "how", "first", "out", "trickled")

    def __init__(self, sock, now):
        self.sock = sock
        self.state = "connecting"
        self.t_start = now
        self.t_est = self.t_first = self.t_close = None
        self.how = None  # connect failure (errno name) or server close (eof / reset)
        self.first = b""
        self.out = b""
        self.trickled = 0


class Attack:
    """Many non-blocking connections to the gateway served by one selectors loop."""

    def __init__(self, host, port, kind, count, rate, connect_timeout, slow_interval, fd_budget, max_connecting):
        self.host, self.port = host, port
        self.max_connecting = max_connecting
        self.kind = kind
        self.count = count
        self.rate = rate
        self.connect_timeout = connect_timeout
        self.slow_interval = slow_interval
        self.fd_budget = fd_budget
        self.selector = selectors.DefaultSelector()
        self.conns = []
        self.active = 0  # connecting or open: descriptors held by the attack
        self.open = 0  # established and not closed: read by the prober from its threads
        self.connecting = 0
        self.started = 0
        self.client_limited = None  # why fewer than `count` were attempted
        self.trickle = []  # heap of (due, index) for slowloris bytes
        self.pending = collections.deque()  # indices of connects in start order, for the connect timeout
        if kind == "bodies":
            head = (b"POST /v1/actions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n" % BODY_BYTES)
            self.payload = head + b'{"pad":"' + b"a" * (BODY_BYTES - 1 - 8)
        elif kind == "slowloris":
            self.payload = SLOW_PREFIX
        else:
            self.payload = b""

    def _open_one(self, now):
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        except OSError as error:
            self.client_limited = f"socket(): {error}"
            return False
        sock.setblocking(False)
        conn = Conn(sock, now)
        code = sock.connect_ex((self.host, self.port))
        self.conns.append(conn)
        self.started += 1
        self.active += 1
        if code in (0, errno.EINPROGRESS, errno.EAGAIN):
            self.connecting += 1
            self.selector.register(sock, selectors.EVENT_WRITE, len(self.conns) - 1)
            self.pending.append(len(self.conns) - 1)
        else:
            self._fail(conn, code, now, registered=False)
        return True

    def _fail(self, conn, code, now, registered=True):
        if registered:
            self.selector.unregister(conn.sock)
        conn.sock.close()
        conn.sock = None
        conn.state = "failed"
        conn.how = errno.errorcode.get(code, str(code)) if isinstance(code, int) else code
        conn.t_close = now
        self.connecting -= 1 if registered else 0
        self.active -= 1

    def _closed_by_server(self, conn, how, now):
        self.selector.unregister(conn.sock)
        conn.sock.close()
        conn.sock = None
        conn.state = "closed"
        conn.how = how
        conn.t_close = now
        self.open -= 1
        self.active -= 1

    def _established(self, index, conn, now):
        self.connecting -= 1
        self.open += 1
        conn.state = "open"
        conn.t_est = now
        conn.out = self.payload
        if self.kind == "slowloris":
            heapq.heappush(self.trickle, (now + self.slow_interval, index))
        self._flush(conn, now)
        if conn.state == "open":
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if conn.out else 0)
            self.selector.modify(conn.sock, events, index)

    def _flush(self, conn, now):
        while conn.out:
            try:
                sent = conn.sock.send(conn.out)
            except BlockingIOError:
                return
            except (ConnectionResetError, BrokenPipeError):
                self._closed_by_server(conn, "reset", now)
                return
            conn.out = conn.out[sent:]

    def _readable(self, conn, now):
        try:
            data = conn.sock.recv(65536)
        except BlockingIOError:
            return
        except (ConnectionResetError, BrokenPipeError):
            self._closed_by_server(conn, "reset", now)
            return
        if not data:
            self._closed_by_server(conn, "eof", now)
            return
        if conn.t_first is None:
            conn.t_first = now
            conn.first = data[:120]

    def step(self, t0, now, may_open):
        """One turn of the loop: open what the rate allows, wait up to 50 ms for events, trickle, time out."""
        if may_open:
            allowed = min(self.count, int((now - t0) * self.rate) + 1)
            while self.started < allowed and self.connecting < self.max_connecting and self.client_limited is None:
                if self.active >= self.fd_budget:
                    self.client_limited = f"client descriptor budget of {self.fd_budget} reached"
                    break
                if not self._open_one(now):
                    break
        for key, events in self.selector.select(timeout=0.05):
            now = time.monotonic()
            conn = self.conns[key.data]
            if conn.state == "connecting":
                if events & selectors.EVENT_WRITE:
                    code = conn.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if code == 0:
                        self._established(key.data, conn, now)
                    else:
                        self._fail(conn, code, now)
                continue
            if conn.state != "open":
                continue
            if events & selectors.EVENT_READ:
                self._readable(conn, now)
            if conn.state == "open" and events & selectors.EVENT_WRITE:
                self._flush(conn, now)
                if conn.state == "open" and not conn.out:
                    self.selector.modify(conn.sock, selectors.EVENT_READ, key.data)
        now = time.monotonic()
        while self.trickle and self.trickle[0][0] <= now:
            _, index = heapq.heappop(self.trickle)
            conn = self.conns[index]
            if conn.state != "open":
                continue
            conn.out += b"a"
            conn.trickled += 1
            self._flush(conn, now)
            if conn.state == "open":
                if conn.out:
                    self.selector.modify(conn.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, index)
                heapq.heappush(self.trickle, (now + self.slow_interval, index))
        while self.pending:
            conn = self.conns[self.pending[0]]
            if conn.state == "connecting":
                if now - conn.t_start <= self.connect_timeout:
                    break
                self._fail(conn, "connect-timeout", now)
            self.pending.popleft()

    def server_sides(self):
        """For the connections still open here: {server-side state (see server_side_states) or "none": count}."""
        states = server_side_states(self.port)
        if states is None:
            return None
        counts = {}
        for conn in self.conns:
            if conn.state == "open":
                try:
                    side = states.get(conn.sock.getsockname()[1], "none")
                except OSError:
                    side = "none"
                counts[side] = counts.get(side, 0) + 1
        return counts

    def close_all(self):
        """Resets every connection still open (SO_LINGER 0) and abandons pending connects."""
        still_open = 0
        linger = struct.pack("ii", 1, 0)
        for conn in self.conns:
            if conn.sock is None:
                continue
            if conn.state == "open":
                still_open += 1
            try:
                self.selector.unregister(conn.sock)
            except (KeyError, ValueError):
                pass
            try:
                conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            except OSError:
                pass
            conn.sock.close()
            conn.sock = None
            if conn.state == "connecting":
                conn.state, conn.how = "failed", "abandoned"
        self.active = self.open = self.connecting = 0
        self.selector.close()
        return still_open


# --- the run --------------------------------------------------------------------------------------------


class Run:
    def __init__(self, args):
        self.args = args
        self.host, self.port = split_url(args.gateway)
        self.signer = Signer(os.environ[args.secret_env])
        self.current_attack = None
        self.phases = []
        self.violations = []
        self.signed_target = 0
        self.main_prober = None

    def attack_open(self):
        attack = self.current_attack
        return attack.open if attack is not None else 0

    def next_target(self):
        self.signed_target += 1
        return self.signed_target

    def signed(self, label, budget):
        target = self.next_target()
        return signed_action(self.args.gateway, self.signer, f"msg_abuse_{self.args.run_id}_{label}", target, budget)

    def store_sizes(self):
        sizes = {}
        for suffix in ("", "-wal", "-shm"):
            try:
                sizes[suffix or "main"] = os.path.getsize(self.args.store + suffix)
            except OSError:
                sizes[suffix or "main"] = 0
        sizes["total"] = sizes["main"] + sizes["-wal"] + sizes["-shm"]
        return sizes

    def checkpoint(self):
        """PRAGMA wal_checkpoint(TRUNCATE) from a connection of our own: the WAL's frames go to the main file and
        the WAL is cut to 0 bytes, so the main file's size is the store's real growth. Returns (busy, log,
        checkpointed) or an error text."""
        try:
            connection = sqlite3.connect(self.args.store, timeout=5)
            try:
                return tuple(connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())
            finally:
                connection.close()
        except sqlite3.Error as error:
            return f"{type(error).__name__}: {error}"

    def audit_rows(self):
        try:
            connection = sqlite3.connect(f"file:{self.args.store}?mode=ro", uri=True, timeout=5)
            try:
                return connection.execute("SELECT count(*) FROM audit").fetchone()[0]
            finally:
                connection.close()
        except sqlite3.Error:
            return None

    # One connection attack: slowloris, idle or bodies.
    def wave_bound(self, connections, deadline_seconds):
        """The longest a connection may take from connect() to the server's close: at the cap the gateway stops
        accepting and the kernel queues the rest, so `connections` drain in waves of at most max_connections,
        each held for at most the deadline."""
        waves = max(1, math.ceil(connections / self.args.max_connections))
        return waves, waves * deadline_seconds + self.args.close_margin

    def attack_phase(self, kind, count, deadline_seconds):
        args = self.args
        phase = {"name": kind, "kind": "connections", "count": count, "deadline_s": deadline_seconds}
        start_sample = self.sampler.sample()
        phase["fds_start"] = start_sample[3] if start_sample else None
        phase["metrics_before"] = scrape_metrics(args.ops)
        fd_budget = max(0, args.client_nofile - own_fd_count() - 128)  # the rest: probes, signed requests
        attack = Attack(self.host, self.port, kind, count, args.connect_rate, args.connect_timeout,
                        args.slow_interval, fd_budget, min(args.max_connecting, fd_budget))
        self.current_attack = attack
        t0 = time.monotonic()
        phase["t0"] = t0
        open_until = t0 + args.phase_seconds
        hard_end = t0 + max(0.0, self.remaining())
        drain_until = None  # once the connects are done: when the last established connection passes its bound
        next_side_check = 0.0
        during = None
        log(f"{kind}: {count} connections (deadline {deadline_seconds:g} s, waves of {args.max_connections}, "
            f"+ {args.close_margin:g} s margin), opened for up to {args.phase_seconds:g} s")
        while True:
            now = time.monotonic()
            if now >= hard_end:
                phase["ran_out"] = True
                break
            may_open = now < open_until
            attack.step(t0, now, may_open=may_open)
            now = time.monotonic()
            connects_done = (attack.started >= count or attack.client_limited is not None or not may_open) \
                and attack.connecting == 0
            if during is None and (connects_done or now - t0 > args.phase_seconds / 2):
                # The signed request "during" the attack: it queues behind what the attack holds now.
                phase["during_open"] = attack.open
                _, budget = self.wave_bound(attack.open + 1, deadline_seconds)
                phase["during_budget_s"] = budget
                during = SignedInBackground(args.gateway, self.signer, f"msg_abuse_{args.run_id}_{kind}_during",
                                            self.next_target(), budget)
                during.start()
            if connects_done and drain_until is None:
                established = [c for c in attack.conns if c.t_est is not None]
                _, bound = self.wave_bound(len(established) + self.main_probes_since(t0) + 1, deadline_seconds)
                drain_until = max((c.t_start for c in established), default=now) + bound + 0.5
            if connects_done and attack.active == 0 and during is not None and not during.is_alive():
                break
            if drain_until is not None and now >= drain_until and (during is None or not during.is_alive()):
                break
            if connects_done and attack.open and now >= next_side_check and (during is None or not during.is_alive()):
                # What is left may be open only on this side (see server_sides): nothing will close it, so stop.
                next_side_check = now + 1.0
                sides = attack.server_sides()
                if sides is not None and set(sides) == {"none"}:
                    break
        phase["t_end_attack"] = time.monotonic()
        phase["server_sides"] = attack.server_sides() if attack.open else {}
        phase["still_open"] = attack.close_all()
        # Open here but with no socket, or only a SYN-queue entry, on the gateway's side: the kernel answered the
        # SYN but never put the connection in the listen backlog (its ACK came while the backlog was full). The
        # gateway never saw it and cannot close it; a client that sends nothing is never told (one that sends
        # gets a reset, counted among the closes). Reported, not held against the gateway.
        sides = phase["server_sides"]
        phase["open_at_gateway"] = phase["still_open"] if sides is None else \
            sum(v for k, v in sides.items() if k not in ("none", "syn-recv"))
        phase["open_client_only"] = phase["still_open"] - phase["open_at_gateway"]
        self.current_attack = None
        if during is None:
            phase["signed_during"] = {"status": None, "error": "never sent (the phase ran out of time)"}
        else:
            during.join(phase["during_budget_s"] + 5)
            phase["signed_during"] = during.result or {"status": None, "error": "did not finish"}
        # Before the request "after" and the next phase: the gateway lets go of what the attack held.
        phase["recovery"] = self.wait_recovery(phase["fds_start"])
        time.sleep(args.settle_seconds)
        phase["signed_after"] = self.signed(f"{kind}_after", 5 + args.close_margin)
        phase["metrics_after"] = scrape_metrics(args.ops)
        phase["t_end"] = time.monotonic()
        phase["store"] = self.store_sizes()
        # Connection statistics, times from connect().
        conns = attack.conns
        established = [c for c in conns if c.t_est is not None]
        closed = [c for c in established if c.state == "closed"]
        answered = [c for c in established if c.t_first is not None]
        failures = {}
        for c in conns:
            if c.t_est is None:
                failures[c.how] = failures.get(c.how, 0) + 1
        answers = {}
        for c in answered:
            line = c.first.split(b"\r\n", 1)[0].decode("latin-1")[:40]
            answers[line] = answers.get(line, 0) + 1
        to_close = [c.t_close - c.t_start for c in closed]
        others = self.main_probes_between(t0, phase["t_end_attack"]) + 1  # main-listener probes + the signed one
        waves, bound = self.wave_bound(len(established) + others, deadline_seconds)
        late = [t for t in to_close if t > bound]
        timeouts = metric_delta(phase["metrics_before"], phase["metrics_after"],
                                "segura_gateway_connection_timeouts_total", "reason")
        phase.update({
            "attempted": attack.started, "established": len(established), "connect_failures": failures,
            "client_limited": attack.client_limited, "closed": len(closed),
            "closed_eof": sum(1 for c in closed if c.how == "eof"),
            "closed_reset": sum(1 for c in closed if c.how == "reset"),
            "answers": answers,
            "close_median_s": median(to_close), "close_max_s": max(to_close) if to_close else None,
            "other_connections": others, "waves": waves, "close_bound_s": bound, "late": len(late),
            "held_s": phase["t_end_attack"] - t0,
            "trickled_bytes": sum(c.trickled for c in conns),
            "timeouts_counted": timeouts,
        })
        self.phases.append(phase)
        log(f"{kind}: {len(established)}/{attack.started} connected, {len(closed)} closed by the server "
            f"(from connect(): median {fmt_s(phase['close_median_s'])}, max {fmt_s(phase['close_max_s'])}, bound "
            f"{bound:g} s), {phase['still_open']} still open after {phase['held_s']:.1f} s (at the gateway: "
            f"{phase['open_at_gateway']}); gateway counted "
            f"{fmt_counts(timeouts) if timeouts else ('none' if timeouts is not None else '? (no /metrics)')}; "
            f"signed during {phase['signed_during'].get('status')}, after {phase['signed_after'].get('status')}")

    def main_probes_since(self, start):
        return self.main_prober.count_between(start, time.monotonic()) if self.main_prober else 0

    def main_probes_between(self, start, end):
        return self.main_prober.count_between(start, end) if self.main_prober else 0

    def wait_recovery(self, fds_start):
        """Waits (up to --recovery-seconds) until the gateway's descriptors are back to the phase's start
        + RECOVERY_SLACK, once the client has reset every attack connection."""
        started = time.monotonic()
        target = None if fds_start is None else fds_start + RECOVERY_SLACK
        fds = None
        while True:
            sample = self.sampler.sample()
            fds = sample[3] if sample else None
            waited = time.monotonic() - started
            if sample is None or target is None or fds <= target:
                return {"seconds": waited, "fds": fds, "target": target, "recovered": sample is not None}
            if waited >= self.args.recovery_seconds:
                return {"seconds": waited, "fds": fds, "target": target, "recovered": False}
            time.sleep(0.1)

    def bad_mac_phase(self, count):
        args = self.args
        phase = {"name": "bad-macs", "kind": "requests", "count": count}
        time.sleep(args.settle_seconds)
        phase["checkpoint_before"] = self.checkpoint()
        before = self.store_sizes()
        rows_before = self.audit_rows()
        phase["metrics_before"] = scrape_metrics(args.ops)
        t0 = time.monotonic()
        phase["t0"] = t0
        limit = t0 + min(args.phase_seconds, self.remaining())
        log(f"bad-macs: {count} requests with a random MAC over {args.bad_mac_connections} keep-alive connections, "
            f"up to {limit - t0:.0f} s")
        lock = threading.Lock()
        state = {"next": 0, "statuses": {}, "errors": {}, "latencies": []}
        body = action_body(1)

        def worker():
            connection = None
            while True:
                with lock:
                    if state["next"] >= count or time.monotonic() >= limit:
                        break
                    state["next"] += 1
                    number = state["next"]
                if connection is None:
                    connection = http.client.HTTPConnection(self.host, self.port, timeout=args.probe_timeout * 2)
                headers = {
                    "Content-Type": "application/json",
                    "webhook-id": f"msg_abuse_bad_{args.run_id}_{number}",
                    "webhook-timestamp": str(int(time.time())),
                    "webhook-signature": "v1," + base64.b64encode(os.urandom(32)).decode(),
                }
                started = time.monotonic()
                try:
                    connection.request("POST", "/v1/actions", body=body, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    key = str(response.status)
                    if response.getheader("Connection", "").lower() == "close":
                        connection.close()
                        connection = None
                    with lock:
                        state["statuses"][key] = state["statuses"].get(key, 0) + 1
                        state["latencies"].append(time.monotonic() - started)
                except (OSError, http.client.HTTPException) as error:
                    connection.close()
                    connection = None
                    with lock:
                        name = type(error).__name__
                        state["errors"][name] = state["errors"].get(name, 0) + 1
            if connection is not None:
                connection.close()

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.bad_mac_connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(1.0, limit - time.monotonic() + args.probe_timeout * 2 + 1))
        phase["t_end_attack"] = time.monotonic()
        phase["seconds"] = phase["t_end_attack"] - t0
        time.sleep(max(args.settle_seconds, 2.0))
        phase["metrics_after"] = scrape_metrics(args.ops)
        raw = self.store_sizes()
        phase["checkpoint_after"] = self.checkpoint()
        after = self.store_sizes()
        rows_after = self.audit_rows()
        phase["t_end"] = time.monotonic()
        refused = state["statuses"].get("401", 0)
        counted = metric_delta(phase["metrics_before"], phase["metrics_after"],
                               "segura_gateway_unauthenticated_refusals_total", "code")
        phase.update({
            "refusals_counted": counted,
            "refusals_counted_total": None if counted is None else sum(counted.values()),
            "sent": sum(state["statuses"].values()) + sum(state["errors"].values()),
            "statuses": state["statuses"], "errors": state["errors"], "refused": refused,
            "p50_ms": 1000 * median(state["latencies"]) if state["latencies"] else None,
            "store_before": before, "store_after_raw": raw, "store_after": after,
            "audit_rows_added": None if rows_before is None or rows_after is None else rows_after - rows_before,
        })
        checkpointed = isinstance(phase["checkpoint_after"], tuple) and phase["checkpoint_after"][0] == 0 \
            and isinstance(phase["checkpoint_before"], tuple) and phase["checkpoint_before"][0] == 0
        phase["checkpointed"] = checkpointed
        phase["growth"] = after["total"] - before["total"]
        phase["growth_raw"] = raw["total"] - before["total"]
        phase["per_10k"] = phase["growth"] * 10000 / refused if refused else None
        phase["per_10k_raw"] = phase["growth_raw"] * 10000 / refused if refused else None
        phase["store"] = after
        self.phases.append(phase)
        log(f"bad-macs: {phase['sent']} sent in {phase['seconds']:.1f} s, statuses {state['statuses']}, errors "
            f"{state['errors'] or 'none'}; store +{phase['growth']} B ({fmt_int(phase['per_10k'])} B per 10,000 refused); "
            f"gateway counted {fmt_counts(counted) if counted else counted} unauthenticated refusals")

    def remaining(self):
        return self.args.total_seconds - (time.monotonic() - self.started)

    def execute(self):
        args = self.args
        self.started = time.monotonic()
        self.sampler = Sampler(args.pid, args.sample_interval)
        self.sampler.start()
        ops_host, ops_port = split_url(args.ops)
        self.prober = Prober(ops_host, ops_port, args.probe_interval, args.probe_timeout, self.attack_open)
        self.main_prober = None
        if args.main_probe_interval > 0:
            self.main_prober = Prober(self.host, self.port, args.main_probe_interval, args.probe_timeout,
                                      self.attack_open)
        self.open_connections = OpenConnectionsSampler(args.ops, 0.5)
        self.baseline = self.sampler.sample()
        if scrape_metrics(args.ops) is None:
            raise SystemExit(f"abuse-test: no /metrics on the operations listener {args.ops}")
        baseline_probe = self.signed("baseline", 10)
        if baseline_probe["status"] != 200:
            raise SystemExit(f"abuse-test: the signed request fails before any attack: {baseline_probe}")
        self.prober.start()
        if self.main_prober:
            self.main_prober.start()
        self.open_connections.start()
        try:
            plan = [
                ("slowloris", args.slow, args.header_timeout),
                ("idle", args.idle, max(args.idle_timeout, args.header_timeout)),
                ("bodies", args.bodies, args.body_timeout),
            ]
            for kind, count, deadline in plan:
                if count > 0 and self.remaining() > 5:
                    self.attack_phase(kind, count, deadline)
                elif count > 0:
                    log(f"{kind}: skipped, the total time (ABUSE_TEST_TOTAL_SECONDS) ran out")
            if args.bad_macs > 0 and self.remaining() > 5:
                self.bad_mac_phase(args.bad_macs)
        finally:
            self.prober.finish()
            if self.main_prober:
                self.main_prober.finish()
            self.open_connections.stopping.set()
            self.open_connections.join(2)
            self.sampler.stopping.set()
            self.sampler.join(2)
            self.sampler.sample()
        self.report()

    # --- summary and checks -------------------------------------------------------------------------------

    def probe_metrics(self, prober, start, end):
        probes = prober.window(start, end) if prober else []
        ok = [p["ms"] for p in probes if p["outcome"] == "ok"]
        return {
            "probes": len(probes), "probe_ok": len(ok),
            "p50": percentile(ok, 0.5) if ok else None, "p99": percentile(ok, 0.99) if ok else None,
            "max": max(ok) if ok else None,
            "refused": [p for p in probes if p["outcome"] == "refused"],
            "timeouts": [p for p in probes if p["outcome"] == "timeout"],
            "errors": [p for p in probes if p["outcome"] in ("bad", "error")],
            "client_errors": sum(1 for p in probes if p["outcome"] == "client"),
        }

    def phase_metrics(self, phase):
        start, end = phase["t0"], phase["t_end"]
        samples = self.sampler.window(start, end)
        gauge = self.open_connections.window(start, end)
        metrics = {
            "rss_peak_mib": max(s[1] for s in samples) / 1024 if samples else None,
            "rss_start_mib": samples[0][1] / 1024 if samples else None,
            "fds_peak": max(s[3] for s in samples) if samples else None,
            "open_connections_peak": max(g[1] for g in gauge) if gauge else None,
            "ops": self.probe_metrics(self.prober, start, end),
            "main": self.probe_metrics(self.main_prober, start, end),
        }
        phase["metrics"] = {k: v for k, v in metrics.items() if k not in ("ops", "main")}
        phase["metrics"].update({f"{k}_probes": {kk: (len(vv) if isinstance(vv, list) else vv) for kk, vv in v.items()}
                                 for k, v in metrics.items() if k in ("ops", "main")})
        return metrics

    def report(self):
        args = self.args
        columns = [p["name"] for p in self.phases]
        rows = []

        def row(label, values):
            rows.append((label, [("" if v is None else str(v)) for v in values]))

        metrics = [self.phase_metrics(p) for p in self.phases]
        conn_phases = [p.get("kind") == "connections" for p in self.phases]

        def per_conn(fn):
            return [fn(p) if is_conn else "-" for p, is_conn in zip(self.phases, conn_phases)]

        def per_bad(fn):
            return ["-" if is_conn else fn(p) for p, is_conn in zip(self.phases, conn_phases)]

        def counted(p):
            reason = COUNTED_REASON.get(p["name"])
            if p["timeouts_counted"] is None:
                return "? (no /metrics)"
            text = fmt_counts(p["timeouts_counted"]) or "none"
            return text if reason else f"{text} (no metric)"

        row("connections attempted / established", per_conn(lambda p: f"{p['attempted']} / {p['established']}"))
        row("  not established (SYN past the backlog)", per_conn(lambda p: fmt_counts(p["connect_failures"]) or "0"))
        row("  client limit", per_conn(lambda p: "hit" if p["client_limited"] else "no"))
        row("closed by server (eof / reset)", per_conn(lambda p: f"{p['closed']} ({p['closed_eof']} / {p['closed_reset']})"))
        row("  answers before close", per_conn(lambda p: fmt_counts(p["answers"]) or "none"))
        row("  closes counted by the gateway", per_conn(counted))
        row("connect() to close: median / max", per_conn(lambda p: f"{fmt_s(p['close_median_s'])} / {fmt_s(p['close_max_s'])}"))
        row("  bound: waves x deadline + margin", per_conn(lambda p: f"{p['waves']} x {p['deadline_s']:g} + {args.close_margin:g} = {p['close_bound_s']:g} s"))
        row("  closed later than the bound", per_conn(lambda p: p["late"]))
        row("still open at the end / held for", per_conn(lambda p: f"{p['still_open']} / {p['held_s']:.1f} s"))
        row("  at the gateway / never queued by the kernel", per_conn(lambda p: f"{p['open_at_gateway']} / {p['open_client_only']}"))
        row("descriptors back to start + 16 after", per_conn(lambda p: fmt_recovery(p["recovery"])))
        row("bad-MAC requests sent / 401", per_bad(lambda p: f"{p['sent']} / {p['refused']}"))
        row("  other answers / errors", per_bad(lambda p: f"{fmt_counts({k: v for k, v in p['statuses'].items() if k != '401'}) or 'none'} / {fmt_counts(p['errors']) or 'none'}"))
        row("  requests/s, p50 latency ms", per_bad(lambda p: f"{p['sent'] / p['seconds']:.0f}/s, {fmt_ms(p['p50_ms'])}"))
        row("  refusals counted by the gateway", per_bad(lambda p: "?" if p["refusals_counted"] is None else (fmt_counts(p["refusals_counted"]) or "0")))
        row("peak RSS MiB (at phase start)", [f"{fmt_f(m['rss_peak_mib'])} ({fmt_f(m['rss_start_mib'])})" for m in metrics])
        row("peak open descriptors", [m["fds_peak"] for m in metrics])
        row("peak open_connections (metric)", [m["open_connections_peak"] for m in metrics])
        row("ops /healthz ok / probes", [f"{m['ops']['probe_ok']} / {m['ops']['probes']}" for m in metrics])
        row("ops /healthz p50 / p99 / max ms", [f"{fmt_ms(m['ops']['p50'])} / {fmt_ms(m['ops']['p99'])} / {fmt_ms(m['ops']['max'])}" for m in metrics])
        row("ops /healthz timeouts / refused / errors", [f"{len(m['ops']['timeouts'])} / {len(m['ops']['refused'])} / {len(m['ops']['errors'])}" for m in metrics])
        if self.main_prober:
            row("main /healthz (info) ok / probes", [f"{m['main']['probe_ok']} / {m['main']['probes']}" for m in metrics])
            row("  p50 / p99 / max ms (answered)", [f"{fmt_ms(m['main']['p50'])} / {fmt_ms(m['main']['p99'])} / {fmt_ms(m['main']['max'])}" for m in metrics])
            row(f"  no answer in {args.probe_timeout:g} s / refused / errors", [f"{len(m['main']['timeouts'])} / {len(m['main']['refused'])} / {len(m['main']['errors'])}" for m in metrics])
        row("signed request during attack", per_conn(lambda p: fmt_signed(p["signed_during"])))
        row("  its budget (the wave bound)", per_conn(lambda p: f"{p.get('during_budget_s', 0):g} s ({p.get('during_open', '?')} open)"))
        row("signed request after attack", per_conn(lambda p: fmt_signed(p["signed_after"])))
        row("store bytes at the end (main+wal+shm)", [p["store"]["total"] for p in self.phases])
        row("store growth: checkpointed / raw", per_bad(lambda p: f"{p['growth']} / {p['growth_raw']} B"))
        row("  per 10,000 refused: ckpt / raw", per_bad(lambda p: f"{fmt_int(p['per_10k'])} / {fmt_int(p['per_10k_raw'])} B"))
        row("  audit rows added", per_bad(lambda p: p["audit_rows_added"]))

        print()
        print(f"abuse test summary (max_connections {args.max_connections}, idle {args.idle_timeout:g} s, header "
              f"{args.header_timeout:g} s, body {args.body_timeout:g} s; gateway descriptor limit "
              f"{args.gateway_nofile}, client {args.client_nofile}; /healthz judged on the operations listener "
              f"{args.ops})")
        if self.baseline:
            print(f"  gateway at start: RSS {self.baseline[1] / 1024:.1f} MiB, {self.baseline[3]} open descriptors")
        widths = [max(len(c), *(len(r[1][i]) for r in rows)) for i, c in enumerate(columns)]
        label_width = max(len(r[0]) for r in rows)
        print(f"  {'':<{label_width}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(columns, widths)))
        for label, values in rows:
            print(f"  {label:<{label_width}}  " + "  ".join(f"{v:>{w}}" for v, w in zip(values, widths)))
        overall = self.sampler.samples
        peak_rss = max(s[1] for s in overall) / 1024 if overall else None
        peak_fds = max(s[3] for s in overall) if overall else None
        hwm = overall[-1][2] / 1024 if overall else None
        print(f"  whole run: peak RSS {fmt_f(peak_rss)} MiB (VmHWM {fmt_f(hwm)} MiB), peak descriptors {peak_fds}, "
              f"{time.monotonic() - self.started:.0f} s")
        print(flush=True)
        self.check(metrics, peak_rss, peak_fds)
        if args.out:
            with open(args.out, "w", encoding="utf-8") as out:
                json.dump({"phases": [{k: v for k, v in p.items() if not k.startswith("metrics_")} for p in self.phases],
                           "violations": self.violations, "samples": self.sampler.samples,
                           "open_connections": self.open_connections.samples,
                           "probes": self.prober.results,
                           "main_probes": self.main_prober.results if self.main_prober else []}, out, default=str)
        if self.violations:
            keys = sorted({key for key, _ in self.violations})
            lines = [f"abuse-test: FAILED: {len(self.violations)} violation(s) of {len(keys)} "
                     f"propert{'y' if len(keys) == 1 else 'ies'}:"]
            for key in keys:
                messages = [message for k, message in self.violations if k == key]
                shown = messages[:6] + ([f"... and {len(messages) - 6} more"] if len(messages) > 6 else [])
                lines += [f"  ({key}) {TITLES[key]}"] + [f"    - {message}" for message in shown]
            print("\n".join(lines), file=sys.stderr)
            sys.exit(1)
        log("passed: every property holds")

    def check(self, metrics, peak_rss, peak_fds):
        args = self.args
        violate = lambda key, message: self.violations.append((key, message))  # noqa: E731
        for phase, m in zip(self.phases, metrics):
            name = phase["name"]
            if phase.get("ran_out"):
                violate("a", f"{name}: the run's total time (ABUSE_TEST_TOTAL_SECONDS) ran out during the phase")
            if phase.get("kind") == "connections":
                # (a) every connection closed by the server, within the wave bound of its connect().
                if phase["open_at_gateway"]:
                    violate("a", f"{name}: {phase['open_at_gateway']} of {phase['established']} connections were still "
                                 f"open at the gateway after {phase['held_s']:.1f} s (bound from connect() "
                                 f"{phase['close_bound_s']:g} s; server sides {fmt_counts(phase['server_sides'] or {}) or '?'})")
                if phase["late"]:
                    violate("a", f"{name}: {phase['late']} connections were closed later than "
                                 f"{phase['close_bound_s']:g} s after connect() ({phase['waves']} waves of "
                                 f"{args.max_connections} x {phase['deadline_s']:g} s + {args.close_margin:g} s; "
                                 f"latest {fmt_s(phase['close_max_s'])})")
                if phase["answers"]:
                    violate("a", f"{name}: the server answered before closing: {fmt_counts(phase['answers'])}")
                reason = COUNTED_REASON.get(name)
                if reason:
                    got = None if phase["timeouts_counted"] is None else phase["timeouts_counted"].get(reason, 0)
                    if got is None:
                        violate("a", f"{name}: could not read segura_gateway_connection_timeouts_total from {args.ops}")
                    elif not phase["closed_eof"] <= got <= phase["closed"]:
                        # Every FIN (eof) is the gateway closing at its deadline; a reset is either the gateway
                        # closing with unread bytes or the kernel refusing data on a connection it never queued.
                        violate("a", f"{name}: the gateway counted {got} {reason} "
                                     f"(segura_gateway_connection_timeouts_total), the client saw {phase['closed_eof']} "
                                     f"closes (eof) and {phase['closed_reset']} resets: expected between "
                                     f"{phase['closed_eof']} and {phase['closed']}")
                if not phase["recovery"]["recovered"]:
                    violate("b", f"{name}: {args.recovery_seconds:g} s after the client reset the attack's connections "
                                 f"the gateway still had {phase['recovery']['fds']} descriptors open (at the phase's "
                                 f"start {phase['fds_start']})")
                # (d) the signed request gets through during (within the wave bound) and after the attack.
                for when in ("during", "after"):
                    result = phase[f"signed_{when}"]
                    if result.get("status") != 200:
                        violate("d", f"{name}: the signed request {when} the attack got "
                                     f"{result.get('status')}: {result.get('error')}")
            else:
                if phase["sent"] < phase["count"]:
                    violate("g", f"{name}: only {phase['sent']} of {phase['count']} requests were sent within "
                                 f"{args.phase_seconds:g} s")
                others = {k: v for k, v in phase["statuses"].items() if k != "401"}
                if others or phase["errors"]:
                    violate("g", f"{name}: answers other than 401: {fmt_counts(others) or 'none'}; connection "
                                 f"errors: {fmt_counts(phase['errors']) or 'none'}")
                # (e) store growth per 10,000 refused, and every refusal counted instead of stored.
                if phase["per_10k"] is None:
                    violate("e", f"{name}: no request was refused with 401, so store growth cannot be judged")
                elif phase["per_10k"] >= args.max_store_bytes_per_10k:
                    violate("e", f"{name}: the store grew {phase['growth']} bytes for {phase['refused']} refused "
                                 f"requests = {phase['per_10k']:.0f} bytes per 10,000 (bound "
                                 f"{args.max_store_bytes_per_10k}); audit rows added: {phase['audit_rows_added']}")
                if phase["refusals_counted_total"] != phase["refused"]:
                    violate("e", f"{name}: {phase['refused']} requests were refused with 401, the gateway counted "
                                 f"{phase['refusals_counted_total']} (segura_gateway_unauthenticated_refusals_total: "
                                 f"{fmt_counts(phase['refusals_counted'] or {}) or 'no change'})")
            # (c) /healthz on the operations listener: every probe answered 200, p99 under the bound.
            ops = m["ops"]
            if ops["timeouts"]:
                first = ops["timeouts"][0]
                violate("c", f"{name}: {len(ops['timeouts'])} /healthz probe(s) got no answer within "
                             f"{args.probe_timeout:g} s (first with {first['attack_open']} attack connections open)")
            if ops["refused"] or ops["errors"] or ops["client_errors"]:
                first = (ops["refused"] + ops["errors"] + [{"detail": "client descriptors"}])[0]
                violate("c", f"{name}: {len(ops['refused'])} /healthz probe(s) refused, {len(ops['errors'])} failed, "
                             f"{ops['client_errors']} not sent (client): {first['detail']}")
            if ops["p99"] is not None and ops["p99"] > args.healthz_p99_ms:
                violate("c", f"{name}: /healthz p99 {ops['p99']:.0f} ms is over {args.healthz_p99_ms} ms "
                             f"(max {ops['max']:.0f} ms)")
            if ops["probe_ok"] == 0:
                violate("c", f"{name}: no /healthz probe was answered during the phase or after it")
            # (b) descriptors, and the gateway's own count of open connections.
            bound = args.max_connections + args.fd_margin
            if m["fds_peak"] is not None and m["fds_peak"] > bound:
                violate("b", f"{name}: the gateway had {m['fds_peak']} descriptors open (bound max_connections "
                             f"{args.max_connections} + {args.fd_margin} = {bound})")
            gauge_bound = args.max_connections + ACCEPT_BATCH - 1
            if m["open_connections_peak"] is not None and m["open_connections_peak"] > gauge_bound:
                violate("b", f"{name}: segura_gateway_open_connections reached {m['open_connections_peak']} "
                             f"(bound max_connections {args.max_connections} + {ACCEPT_BATCH - 1}: see ACCEPT_BATCH)")
        # (f) memory.
        if peak_rss is not None and peak_rss > args.max_rss_mb:
            violate("f", f"peak RSS {peak_rss:.0f} MiB is over {args.max_rss_mb} MiB")
        if self.sampler.gone_at is not None:
            violate("f", f"the gateway exited {self.sampler.gone_at - self.started:.1f} s into the run")


# Which segura_gateway_connection_timeouts_total reason closes each attack's connections (idle connections are
# closed by Hummingbird's idle timeout, which has no counter).
COUNTED_REASON = {"slowloris": "header_timeout", "bodies": "body_timeout"}

TITLES = {
    "a": "every attack connection is closed by the server, within waves x deadline + margin of its connect(), "
         "and the gateway counted the closes",
    "b": "open descriptors stay within max_connections plus the margin, and are released after an attack",
    "c": "/healthz on the operations listener answers every probe, p99 under the bound, in every phase",
    "d": "a signed request succeeds during (within the wave bound) and after each connection attack",
    "e": "the store grows less than the bound per 10,000 refused requests, and the gateway counted every refusal",
    "f": "the gateway stays up and its RSS under the bound",
    "g": "every bad-MAC request is answered 401",
}


def fmt_s(value):
    return "-" if value is None else f"{value:.2f} s"


def fmt_ms(value):
    return "-" if value is None else f"{value:.0f}"


def fmt_f(value):
    return "-" if value is None else f"{value:.1f}"


def fmt_int(value):
    return "-" if value is None else f"{value:,.0f}"


def fmt_counts(counts):
    return ", ".join(f"{key} {value}" for key, value in sorted(counts.items(), key=lambda kv: -kv[1]))


def fmt_recovery(recovery):
    if recovery["recovered"]:
        return f"in {recovery['seconds']:.1f} s"
    return f"not in {recovery['seconds']:.0f} s ({recovery['fds']})"


def fmt_signed(result):
    if result is None:
        return "-"
    text = f"{result.get('status')}"
    if result.get("seconds") is not None:
        text += f" in {result['seconds']:.2f} s"
    if result.get("refused"):
        text += f" ({result['refused']} refused)"
    if result.get("connect_retries"):
        text += f" ({result['connect_retries']} connect retries)"
    if result.get("status") != 200 and result.get("error"):
        text += f" [{str(result['error'])[:40]}]"
    return text


# --- main -----------------------------------------------------------------------------------------------


def command_run(args):
    soft, _hard = raise_nofile()
    args.client_nofile = soft
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    Run(args).execute()


# The options of a run; scripts/abuse-test passes them (its ABUSE_TEST_* settings). A float default makes a float
# option, an int default an int one.
REQUIRED = {"gateway": str, "ops": str, "pid": int, "store": str, "secret-env": str, "run-id": str}
DEFAULTS = {
    "max-connections": 256, "idle-timeout": 5.0, "header-timeout": 3.0, "body-timeout": 3.0, "slow": 300, "idle": 600,
    "bodies": 200, "bad-macs": 2000, "bad-mac-connections": 4, "slow-interval": 2.0, "connect-rate": 2000.0,
    "connect-timeout": 5.0, "max-connecting": 8192, "phase-seconds": 12.0, "total-seconds": 80.0,
    "settle-seconds": 1.0, "recovery-seconds": 10.0, "close-margin": 2.0, "probe-interval": 0.1, "probe-timeout": 2.0,
    "main-probe-interval": 0.2, "sample-interval": 0.25, "healthz-p99-ms": 1000, "fd-margin": 64, "max-rss-mb": 400,
    "max-store-bytes-per-10k": 16384, "gateway-nofile": "?", "out": None,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, kind in REQUIRED.items():
        parser.add_argument(f"--{name}", type=kind, required=True)
    for name, default in DEFAULTS.items():
        parser.add_argument(f"--{name}", type=type(default) if default is not None else str, default=default)
    command_run(parser.parse_args())

if __name__ == "__main__":
    main()
