#!/usr/bin/env python3
"""Turns benches/compare-qt5's raw results into the table it prints,
docs/performance.md and docs/performance-latency.png."""
import re
import statistics
import sys
from pathlib import Path

out = Path(sys.argv[1])
docs = Path(sys.argv[2])


def samples(name):
    text = (out / name).read_text()
    values = [float(v) for v in re.findall(r"^sample ([0-9.]+)", text, re.M)]
    timeouts = len(re.findall(r"^timeout", text, re.M))
    return values, timeouts


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def numbers(name, pattern):
    return [float(m) for m in re.findall(pattern, (out / name).read_text())]


def fmt_us(us):
    if us != us:
        return "n/a"
    if us >= 1e6:
        return f"{us / 1e6:.2f} s"
    if us >= 1e3:
        return f"{us / 1e3:.1f} ms"
    return f"{us:.0f} µs"


rows = []


def row(figure, ours, qt, ratio, note=""):
    rows.append((figure, ours, qt, ratio, note))


lat = {}
for kind in ("link", "addr"):
    o, ot = samples(f"latency-{kind}-ours.txt")
    q, qt_ = samples(f"latency-{kind}-qt100.txt")
    lat[(kind, "ours")] = o
    lat[(kind, "qt100")] = q
    label = "link down/up" if kind == "link" else "address add/remove"
    row(f"{label} → signal, median (n={len(o)} / {len(q)})", fmt_us(statistics.median(o)),
        fmt_us(statistics.median(q)) + " @100 ms poll", f"{statistics.median(q) / statistics.median(o):.0f}×",
        f"timeouts: {ot} / {qt_}")
    row(f"{label} → signal, p99", fmt_us(pct(o, 0.99)), fmt_us(pct(q, 0.99)) + " @100 ms poll",
        f"{pct(q, 0.99) / pct(o, 0.99):.0f}×")
qd, qdt = samples("latency-link-qtdefault.txt")
lat[("link", "qtdefault")] = qd
o = lat[("link", "ours")]
if qd:
    row(f"link down/up → signal, median, Qt default poll (n={len(qd)})", fmt_us(statistics.median(o)),
        fmt_us(statistics.median(qd)), f"{statistics.median(qd) / statistics.median(o):.0f}×",
        f"p99 {fmt_us(pct(qd, 0.99))}; timeouts {qdt}")

for n in (10, 100, 1000):
    o = numbers(f"startup-{n}-ours.txt", r"startup ([0-9.]+) ms")
    q = numbers(f"startup-{n}-qt.txt", r"startup ([0-9.]+) ms")
    oc = numbers(f"startup-{n}-ours.txt", r"ms ([0-9]+) configurations")
    qc = numbers(f"startup-{n}-qt.txt", r"ms ([0-9]+) configurations")
    row(f"start-up to defaultConfiguration()+allConfigurations(), {n} interfaces",
        f"{statistics.median(o):.2f} ms ({int(statistics.median(oc))} listed)",
        f"{statistics.median(q):.2f} ms ({int(statistics.median(qc))} listed)",
        f"{statistics.median(q) / statistics.median(o):.1f}×")
    orss = numbers(f"startup-{n}-ours.txt", r"([0-9]+) kB peak RSS")
    qrss = numbers(f"startup-{n}-qt.txt", r"([0-9]+) kB peak RSS")
    row(f"peak RSS, {n} interfaces", f"{statistics.median(orss) / 1024:.1f} MB",
        f"{statistics.median(qrss) / 1024:.1f} MB", f"{statistics.median(qrss) / statistics.median(orss):.1f}× less")

idle_re = r"idle ([0-9.]+) ms CPU ([0-9]+) process switches ([0-9]+) library-thread switches"
oi = re.search(idle_re, (out / "idle-ours.txt").read_text()).groups()
qi = re.search(idle_re, (out / "idle-qt.txt").read_text()).groups()
row("idle with 100 interfaces: CPU time", f"{float(oi[0]):.1f} ms", f"{float(qi[0]):.1f} ms", "")
row("idle: context switches of the library's threads", oi[2], qi[2], "",
    f"whole process: {oi[1]} / {qi[1]}")

oc = numbers("cycles-ours.txt", r"cycles ([0-9.]+) per second")
qc = numbers("cycles-qt.txt", r"cycles ([0-9.]+) per second")
row("session open+close cycles per second", f"{statistics.median(oc):,.0f}", f"{statistics.median(qc):,.0f}",
    f"{statistics.median(oc) / statistics.median(qc):.0f}×")
om = numbers("memory-ours.txt", r"memory ([0-9.]+) bytes")
qm = numbers("memory-qt.txt", r"memory ([0-9.]+) bytes")
row("memory per open session (10,000 sessions, RSS growth)", f"{statistics.median(om):,.0f} B",
    f"{statistics.median(qm):,.0f} B", f"{statistics.median(qm) / statistics.median(om):.1f}× less")

header = "| figure | libqnetworksession | Qt 5.15 | ratio | notes |\n|---|---|---|---|---|\n"
table = header + "".join(f"| {a} | {b} | {c} | {d} | {e} |\n" for a, b, c, d, e in rows)
print(table)

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(9, 4.5))
    series = [
        ("ours: link", lat[("link", "ours")]),
        ("ours: address", lat[("addr", "ours")]),
        ("Qt @100 ms: link", lat[("link", "qt100")]),
        ("Qt @100 ms: address", lat[("addr", "qt100")]),
        ("Qt default: link", lat[("link", "qtdefault")]),
    ]
    series = [(name, [v / 1e3 for v in vals]) for name, vals in series if vals]
    ax.boxplot([v for _, v in series], vert=False, whis=(1, 99), showfliers=True)
    ax.set_yticks(range(1, len(series) + 1), [n for n, _ in series])
    ax.set_xscale("log")
    ax.set_xlabel("change → callback/signal (ms, log scale; whiskers p1–p99)")
    ax.set_title("Change-notification latency, same machine, same namespace")
    fig.tight_layout()
    fig.savefig(docs / "performance-latency.png", dpi=110)
except ImportError:
    print("matplotlib missing: no plot", file=sys.stderr)

machine = (out / "machine.txt").read_text().strip()
trace_ours = (out / "trace-ours.txt").read_text().rstrip()
trace_qt = (out / "trace-qt100.txt").read_text().rstrip()
(docs / "performance.md").write_text(f"""# Performance against Qt 5.15

Generated by `benches/compare-qt5` (as root, from a clean clone: it installs
Qt 5 and the plotting tools with apt, builds both programs in release mode,
and runs them in one private network namespace, alternating). Programs:
`benches/compare/ours.c` (this library, netlink backend) and
`benches/compare/qt5.cpp` (Qt 5.15's QNetworkConfigurationManager and
QNetworkSession, generic bearer engine — what Qt uses without a D-Bus
NetworkManager); both make the same changes the same way (`change.h`).

Machine: {machine}

{table}
Ratios are Qt's median over ours (for rates, ours over Qt's). "@100 ms poll"
is Qt with `QT_BEARER_POLL_TIMEOUT=100`, its best case; Qt's default polls
every 10 s, so only a few changes are measured there (each can take 10 s).

![latency distributions](performance-latency.png)

## What each side reports when the interface under an open session goes down, comes back, and is deleted

libqnetworksession (SPEC.md §4.3: closed, state, SessionAbortedError; no silent re-open; removal reported):
```
{trace_ours}
```

Qt 5.15 (generic engine at a 100 ms poll):
```
{trace_qt}
```

## Rerun

```sh
benches/compare-qt5            # about 6 minutes; prints the table, rewrites this page and the plot
```
`QNS_COMPARE_IDLE_SECONDS` and `QNS_COMPARE_QT_DEFAULT_CHANGES` shorten the
idle run (60 s) and the default-poll run (10 changes).
""")
