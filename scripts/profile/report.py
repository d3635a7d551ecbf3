#!/usr/bin/env python3
"""The report of scripts/profile-requests: a callgrind.out file's instructions per request.

Reads one callgrind dump (format of valgrind 3.x: name compression, `calls=` lines followed by the call's
inclusive cost, which is not the caller's own) and sums the Ir event as self cost per function and shared
object. Prints the total, the instructions per request, a table by shared object and the top functions,
all per request. Function names go through `swift demangle --simplified` when DEMANGLER names it.

    report.py CALLGRIND_OUT REQUESTS [--top 25] [--binary PATH=LABEL] [--demangler "swift demangle --simplified"]
"""

import argparse
import collections
import os
import re
import shlex
import subprocess
import sys

NAME_LINE = re.compile(r"^(ob|fl|fi|fe|fn|cob|cfi|cfl|cfn)=(?:\((\d+)\))?\s*(.*)$")


def parse(path):
    """Self Ir per (object, function), the file's own total, and its header fields."""
    names = {"ob": {}, "fl": {}, "fn": {}}  # compressed ids, per name space (cob shares ob's, cfi/cfl fl's, cfn fn's)
    space = {"ob": "ob", "cob": "ob", "fl": "fl", "fi": "fl", "fe": "fl", "cfi": "fl", "cfl": "fl", "fn": "fn", "cfn": "fn"}
    header = {}
    positions = 1
    ir_index = None
    current_ob, current_fn = "???", "???"
    self_cost = collections.Counter()
    after_calls = False
    total = None
    with open(path, encoding="utf-8", errors="replace") as lines:
        for raw in lines:
            line = raw.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            first = line[0]
            if first.isdigit() or first in "+-*":
                if after_calls:  # the inclusive cost of the call just named: the callee's, not this function's
                    after_calls = False
                    continue
                fields = line.split()
                values = fields[positions:]
                if ir_index is not None and ir_index < len(values):
                    self_cost[(current_ob, current_fn)] += int(values[ir_index])
                continue
            match = NAME_LINE.match(line)
            if match:
                kind, number, name = match.groups()
                table = names[space[kind]]
                if number is not None:
                    if name:
                        table[number] = name
                    name = table.get(number, f"({number})")
                if kind == "ob":
                    current_ob = name
                elif kind == "fn":
                    current_fn = name
                continue
            if line.startswith("calls="):
                after_calls = True
                continue
            if line.startswith(("jump=", "jcnd=")):
                continue
            key, _, value = line.partition(":")
            value = value.strip()
            header[key] = value
            if key == "positions":
                positions = len(value.split())
            elif key == "events":
                events = value.split()
                ir_index = events.index("Ir") if "Ir" in events else None
            elif key in ("summary", "totals") and ir_index is not None:
                total = int(value.split()[ir_index])
    if ir_index is None:
        sys.exit(f"report.py: {path} has no Ir event")
    return self_cost, total, header


def demangle(names, command):
    if not command or not names:
        return {name: name for name in names}
    try:
        # Without --compact the demangler keeps one output line per input line, names it does not know as they are.
        result = subprocess.run(shlex.split(command), input="\n".join(names) + "\n", capture_output=True, text=True, check=True)
        out = result.stdout.split("\n")
        if len(out) >= len(names):
            return dict(zip(names, out))
    except (OSError, subprocess.CalledProcessError):
        pass
    print("report.py: the demangler failed; function names stay mangled", file=sys.stderr)
    return {name: name for name in names}


def shorten(text, width):
    return text if len(text) <= width else text[: width - 1] + "…"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("requests", type=int)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--binary", action="append", default=[], help="PATH=LABEL: show the object PATH as LABEL")
    parser.add_argument("--demangler", default="")
    parser.add_argument("--width", type=int, default=110, help="function names are cut to this many characters")
    args = parser.parse_args()
    labels = dict(entry.split("=", 1) for entry in args.binary)

    self_cost, total, header = parse(args.path)
    summed = sum(self_cost.values())
    total = total if total is not None else summed
    if total == 0:
        sys.exit(f"report.py: {args.path} counted no instructions (was instrumentation switched on?)")
    requests = max(args.requests, 1)

    def object_label(path):
        return labels.get(path, os.path.basename(path) or path)

    by_object = collections.Counter()
    # callgrind names a recursion level "fn'2" (--separate-recs); fold them into the function.
    by_function = collections.Counter()
    for (ob, fn), cost in self_cost.items():
        by_object[object_label(ob)] += cost
        by_function[(object_label(ob), re.sub(r"'\d+$", "", fn))] += cost

    print(f"Ir collected (user-space instructions, whole gateway process): {total:,}")
    if summed != total:
        print(f"  (the self costs of the functions add up to {summed:,})")
    print(f"Requests measured: {args.requests:,}")
    print(f"Instructions per request: {total / requests:,.0f}")
    print()

    print("By shared object (self cost, --inclusive=no), per request:")
    header_line = f"  {'Ir/request':>12} {'share':>7}  object"
    print(header_line)
    print("  " + "-" * (len(header_line) + 28))
    shown = 0
    for label, cost in by_object.most_common():
        if cost * 1000 < total and shown >= 8:  # the tail under 0.1 % goes on one line
            break
        print(f"  {cost / requests:>12,.0f} {100 * cost / total:>6.1f}%  {label}")
        shown += 1
    rest = by_object.most_common()[shown:]
    if rest:
        rest_cost = sum(cost for _, cost in rest)
        print(f"  {rest_cost / requests:>12,.0f} {100 * rest_cost / total:>6.1f}%  ({len(rest)} more objects, each under 0.1 %)")
    print()

    top = by_function.most_common(args.top)
    readable = demangle([fn for (_, fn), _ in top], args.demangler)
    print(f"Top {len(top)} functions by self cost, per request:")
    print(f"  {'Ir/request':>12} {'share':>7}  {'object':<22} function")
    for (label, fn), cost in top:
        print(f"  {cost / requests:>12,.0f} {100 * cost / total:>6.1f}%  {shorten(label, 22):<22} {shorten(readable.get(fn, fn), args.width)}")
    covered = sum(cost for _, cost in top)
    print(f"  (these {len(top)} functions: {100 * covered / max(total, 1):.1f}% of the total)")


if __name__ == "__main__":
    main()
