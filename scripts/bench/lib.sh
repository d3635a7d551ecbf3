# Shell helpers shared by scripts/bench-gateway and scripts/bench-stores (sourced, not run). The sourcing
# script sets `bench_name` (its name in log lines) and runs with `set -euo pipefail` from the repository root.

log() { printf '%s: %s\n' "${bench_name:-bench}" "$*" >&2; }

# The settings both benchmarks read from the environment (documented in each script's header):
# duration, warmup, threads, connection_counts (an array), target_first, target_count, and the
# duration_seconds and warmup_seconds they come to.
bench_read_settings() {
    duration=${BENCH_DURATION:-10s}
    warmup=${BENCH_WARMUP:-3s}
    threads=${BENCH_THREADS:-2}
    connections=${BENCH_CONNECTIONS:-32 64}
    target_first=1000
    target_count=${BENCH_TARGETS:-1000}
    [[ $target_count =~ ^[1-9][0-9]*$ ]] || { log "BENCH_TARGETS must be a positive whole number"; exit 2; }
    read -ra connection_counts <<<"$connections"
    ((${#connection_counts[@]})) || { log "BENCH_CONNECTIONS names no wrk concurrency"; exit 2; }
    local count
    for count in "${connection_counts[@]}"; do
        [[ $count =~ ^[1-9][0-9]*$ ]] || { log "BENCH_CONNECTIONS must be positive whole numbers, such as \"32 64\""; exit 2; }
        ((count >= threads)) || { log "BENCH_CONNECTIONS: wrk needs at least one connection per thread (BENCH_THREADS=$threads)"; exit 2; }
    done
    duration_seconds=$(seconds_of "$duration")
    warmup_seconds=$(seconds_of "$warmup")
}

# Installs the Debian packages of the commands that are missing: `bench_install_tools wrk:wrk nginx:nginx-light`.
bench_install_tools() { # command:package ...
    local missing=() pair sudo="" made_policy=false
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${pair%%:*}" ] || missing+=("${pair#*:}")
    done
    ((${#missing[@]})) || return 0
    log "installing ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    # nginx's package starts a system nginx on port 80 unless policy-rc.d says no; a benchmark wants none.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
        $sudo chmod 755 /usr/sbin/policy-rc.d
        made_policy=true
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    if $made_policy; then $sudo rm -f /usr/sbin/policy-rc.d; fi
}

# Prints the path of a built product: the one ENV-VAR names when it is set, else `swift build -c CONFIGURATION`'s.
bench_binary() { # env-var product configuration
    local given=${!1:-} path
    if [ -n "$given" ]; then
        path=$given
    else
        scripts/bootstrap >&2
        log "building $2 ($3)"
        swift build -c "$3" --product "$2" >&2
        path="$(swift build -c "$3" --show-bin-path)/$2"
    fi
    [ -x "$path" ] || { log "no executable at $path"; exit 1; }
    printf '%s\n' "$path"
}

stop() { # pid
    [ -n "$1" ] || return 0
    kill "$1" 2>/dev/null || return 0
    for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$1" 2>/dev/null || true
}

py() { python3 -c "$@"; }
free_port() { py 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
# GET a URL; exit status 0 on a 2xx answer.
http_ok() { py 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" >/dev/null 2>&1; }
# One field of a simulator's /_simulator/stats.
sim_stat() { # simulator-url field
    py 'import json, sys, urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1] + "/_simulator/stats", timeout=5))[sys.argv[2]])' "$1" "$2"
}
seconds_of() { # 10s, 2m, 15
    py 'import re, sys; m = re.fullmatch(r"(\d+)([smh]?)", sys.argv[1]) or sys.exit(f"cannot read the duration {sys.argv[1]!r}"); print(int(m[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[m[2]])' "$1"
}
# CPU ticks of a process (user + system), then the machine's total, idle and iowait ticks (all cores).
cpu_snapshot() { # pid
    py '
import sys
fields = open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")", 1)[1].split()
cpu = [int(v) for v in open("/proc/stat").readline().split()[1:]]
print(int(fields[11]) + int(fields[12]), sum(cpu[:8]), cpu[3], cpu[4])
' "$1"
}
# Waits until a started process answers 2xx on URL; fails with the end of its log if it exits or never does.
wait_ready() { # what pid url log
    for _ in $(seq 300); do
        kill -0 "$2" 2>/dev/null || { log "$1 exited:"; tail -n 20 "$4" >&2; exit 1; }
        if http_ok "$3"; then return 0; fi
        sleep 0.2
    done
    log "$1 did not become ready"; tail -n 20 "$4" >&2; exit 1
}

# POSTs once and checks the answer holds a string, retrying refused connections for 5 s. Header values may
# name environment variables ($BENCH_TOKEN), so no token appears on a command line.
check_post() { # url headers-json expected-substring [body]
    py '
import json, os, sys, time, urllib.request
url, headers, expected = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
headers = {name: os.path.expandvars(value) for name, value in headers.items()}
body = sys.argv[4].encode() if len(sys.argv) > 4 else b""
for attempt in range(50):
    try:
        answer = urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers, method="POST"), timeout=5).read().decode()
        break
    except OSError:
        if attempt == 49:
            raise
        time.sleep(0.1)
if expected not in answer:
    sys.exit(f"{url} answered {answer[:300]}")
' "$@"
}

# One wrk run of a row for SECONDS: `measured` (--latency, into OUT/NAME.txt) or another phase such as `warmup` (no
# latency histogram, into OUT/NAME.PHASE.txt). BENCH_SIGNED_FILE is SIGNED.PHASE for scripts that read pre-signed
# requests. Prints the fields of scripts/bench/report.lua's BENCH_RESULT line; exits on a wrk failure or a
# missing result.
wrk_phase() { # phase seconds out-dir name label connections script url [signed-prefix]
    local phase=$1 out=$3/$4.txt latency=--latency line
    if [ "$phase" != measured ]; then out=$3/$4.$phase.txt latency=; fi
    if ! BENCH_SIGNED_FILE="${9:-}.$phase" wrk -t"$threads" -c"$6" -d"$2" --timeout 5s $latency -s "$7" "$8" >"$out" 2>&1; then
        log "wrk failed in the $phase run of $5:"; cat "$out" >&2; exit 1
    fi
    line=$(grep '^BENCH_RESULT ' "$out" || true)
    [ -n "$line" ] || { log "wrk printed no result for the $phase run of $5:"; cat "$out" >&2; exit 1; }
    case $line in *" status_errors=0 "*) ;; *) log "$5 had non-2xx answers in its $phase run (see ${out##*/})";; esac
    printf '%s\n' "${line#BENCH_RESULT }"
}
