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


def ratio(x):
    return f"{x:.0f}×" if x >= 10 else f"{x:.1f}×" if x >= 1 else f"{x:.2f}×"


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
        fmt_us(statistics.median(q)) + " @100 ms poll", ratio(statistics.median(q) / statistics.median(o)),
        f"timeouts: {ot} / {qt_}")
    row(f"{label} → signal, p99", fmt_us(pct(o, 0.99)), fmt_us(pct(q, 0.99)) + " @100 ms poll",
        ratio(pct(q, 0.99) / pct(o, 0.99)))
qd, qdt = samples("latency-link-qtdefault.txt")
lat[("link", "qtdefault")] = qd
o = lat[("link", "ours")]
if qd:
    row(f"link down/up → signal, median, Qt default poll (n={len(qd)})", fmt_us(statistics.median(o)),
        fmt_us(statistics.median(qd)), ratio(statistics.median(qd) / statistics.median(o)),
        f"p99 {fmt_us(pct(qd, 0.99))}; timeouts {qdt}")

SIZES = sorted(int(m) for m in {re.match(r"startup-([0-9]+)-ours", f.name).group(1)
                                  for f in out.glob("startup-*-ours.txt")})
startup = {}
for n in SIZES:
    o = numbers(f"startup-{n}-ours.txt", r"startup ([0-9.]+) ms")
    q = numbers(f"startup-{n}-qt.txt", r"startup ([0-9.]+) ms")
    f = numbers(f"startup-{n}-floor.txt", r"floor ([0-9.]+) ms")
    oc = numbers(f"startup-{n}-ours.txt", r"ms ([0-9]+) configurations")
    qc = numbers(f"startup-{n}-qt.txt", r"ms ([0-9]+) configurations")
    startup[n] = (statistics.median(o), statistics.median(q), statistics.median(f))
    row(f"start-up to defaultConfiguration()+allConfigurations(), {n} interfaces",
        f"{statistics.median(o):.2f} ms ({int(statistics.median(oc))} listed)",
        f"{statistics.median(q):.2f} ms ({int(statistics.median(qc))} listed)",
        ratio(statistics.median(q) / statistics.median(o)),
        f"floor {statistics.median(f):.2f} ms: ours {statistics.median(o) / statistics.median(f):.2f}× the floor, "
        f"Qt {statistics.median(q) / statistics.median(f):.1f}×")
    orss = numbers(f"startup-{n}-ours.txt", r"([0-9]+) kB peak RSS")
    qrss = numbers(f"startup-{n}-qt.txt", r"([0-9]+) kB peak RSS")
    row(f"peak RSS, {n} interfaces", f"{statistics.median(orss) / 1024:.1f} MB",
        f"{statistics.median(qrss) / 1024:.1f} MB", ratio(statistics.median(qrss) / statistics.median(orss)) + " less")

# Address loss -> configurationChanged against the number of links.
links = {}
for n in SIZES:
    o, ot = samples(f"links-{n}-ours.txt")
    q, qt_ = samples(f"links-{n}-qt100.txt")
    links[n] = (o, q)
    row(f"address add/remove → signal with {n} links, median (n={len(o)} / {len(q)})",
        fmt_us(statistics.median(o)), fmt_us(statistics.median(q)) + " @100 ms poll",
        ratio(statistics.median(q) / statistics.median(o)),
        f"ours: mean {fmt_us(statistics.mean(o))}, p99 {fmt_us(pct(o, 0.99))}; timeouts {ot} / {qt_}")

idle_re = r"idle ([0-9.]+) ms CPU ([0-9]+) process switches ([0-9]+) library-thread switches"
oi = re.search(idle_re, (out / "idle-ours.txt").read_text()).groups()
qi = re.search(idle_re, (out / "idle-qt.txt").read_text()).groups()
row("idle with 100 interfaces: CPU time", f"{float(oi[0]):.1f} ms", f"{float(qi[0]):.1f} ms", "")
row("idle: context switches of the library's threads", oi[2], qi[2], "",
    f"whole process: {oi[1]} / {qi[1]}")

oc = numbers("cycles-ours.txt", r"cycles ([0-9.]+) per second")
qc = numbers("cycles-qt.txt", r"cycles ([0-9.]+) per second")
row("session open+close cycles per second", f"{statistics.median(oc):,.0f}", f"{statistics.median(qc):,.0f}",
    ratio(statistics.median(oc) / statistics.median(qc)),
    "Qt's open/close on an Active configuration only flips a flag; ours counts, takes a byte-counter baseline")
om = numbers("memory-ours.txt", r"memory ([0-9.]+) bytes")
qm = numbers("memory-qt.txt", r"memory ([0-9.]+) bytes")
row("memory per open session (10,000 sessions, RSS growth)", f"{statistics.median(om):,.0f} B",
    f"{statistics.median(qm):,.0f} B", ratio(statistics.median(qm) / statistics.median(om)) + " less")

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

# Against the targets of the comparison (ratio of Qt's median to ours).
lat_default = statistics.median(qd) / statistics.median(lat[("link", "ours")]) if qd else float("nan")
lat_fast = min(statistics.median(lat[(k, "qt100")]) / statistics.median(lat[(k, "ours")]) for k in ("link", "addr"))
s1000 = startup[1000][1] / startup[1000][0] if 1000 in startup else float("nan")
r1000 = statistics.median(numbers("startup-1000-qt.txt", r"([0-9]+) kB peak RSS")) / statistics.median(
    numbers("startup-1000-ours.txt", r"([0-9]+) kB peak RSS")) if 1000 in startup else float("nan")
cyc = statistics.median(oc) / statistics.median(qc)
small, large = SIZES[0], SIZES[-1]
lat_scale = statistics.median(links[large][0]) / statistics.median(links[small][0])
mean_scale = statistics.mean(links[large][0]) / statistics.mean(links[small][0])

# benches/netlink.sh, run right after: the session-level latency, flood, memory.
netlink = (out / "netlink.txt").read_text() if (out / "netlink.txt").exists() else ""
nl_rows = re.findall(r"^ +([0-9]+) links: address loss -> session median +([0-9.]+) us .*?mean +([0-9.]+) us "
                     r".*?start-up +([0-9.]+) ms, floor +([0-9.]+) ms", netlink, re.M)
flood = (out / "netlink" / "flood.txt").read_text() if (out / "netlink" / "flood.txt").exists() else ""
cap = re.search(r"capacity as a backlog with 10 addresses ([0-9]+) vs 2500 addresses ([0-9]+)", flood)
paced = re.search(r"capacity paced by ip with 10 addresses ([0-9]+) vs 2500 addresses ([0-9]+)", flood)
mem = re.search(r"memory ([0-9]+) configurations: ([0-9]+) bytes per configuration record.*?; ([0-9]+) bytes per "
                r"open session", netlink)
core = (out / "core.txt").read_text() if (out / "core.txt").exists() else ""


def core_figure(label):
    m = re.search(re.escape(label) + r"[^0-9]*([0-9]+)", core)
    return float(m.group(1)) if m else float("nan")


def verdict(ok):
    return "met" if ok else "**missed**"


scaling = ["| links | address loss → configurationChanged, median (ours / Qt @100 ms) | ours, mean | "
           "address loss → session stateChanged, median / mean (netlink.sh) | start-up: ours / floor / Qt | "
           "ours ÷ floor |", "|---|---|---|---|---|---|"]
nl = {int(r[0]): r for r in nl_rows}
for n in SIZES:
    o, q = links[n]
    session = f"{float(nl[n][1]):.0f} µs / {float(nl[n][2]):.0f} µs" if n in nl else "n/a"
    ours_s, qt_s, floor_s = startup[n]
    scaling.append(f"| {n} | {fmt_us(statistics.median(o))} / {fmt_us(statistics.median(q))} | "
                   f"{fmt_us(statistics.mean(o))} | {session} | {ours_s:.2f} / {floor_s:.2f} / {qt_s:.2f} ms | "
                   f"{ours_s / floor_s:.2f}× |")
scaling = "\n".join(scaling) + "\n"

floor_ok = all(startup[n][0] / startup[n][2] <= 1.3 for n in SIZES)
floor_list = ", ".join(f"{startup[n][0] / startup[n][2]:.2f}× at {n}" for n in SIZES)
sess_scale = (float(nl[large][1]) / float(nl[small][1])) if small in nl and large in nl else float("nan")
cap_ratio = int(cap.group(1)) / int(cap.group(2)) if cap else float("nan")
targets = f"""| target | measured | |
|---|---|---|
| notification latency ≥ 1000× faster than Qt's default | {ratio(lat_default)} | {verdict(lat_default >= 1000)} |
| notification latency ≥ 20× faster than Qt at a 100 ms poll | {ratio(lat_fast)} | {verdict(lat_fast >= 20)} |
| latency at {large} links within 1.5× of latency at {small} links (median, configurationChanged) | {lat_scale:.2f}× (mean {mean_scale:.2f}×) | {verdict(lat_scale <= 1.5)} |
| the same to a session's stateChanged (benches/netlink.sh, median) | {sess_scale:.2f}× | {verdict(sess_scale <= 1.5)} |
| flood capacity with 2,500 addresses on the interface within 1.5× of 10 (a backlog) | {cap_ratio:.2f}× | {verdict(cap_ratio <= 1.5)} |
| start-up within 1.3× of the floor at {", ".join(map(str, SIZES))} interfaces | {floor_list} | {verdict(floor_ok)} |
| start-up with 1000 interfaces ≥ 5× faster than Qt | {ratio(s1000)} | {verdict(s1000 >= 5)} |
| peak RSS with 1000 interfaces ≥ 3× less | {ratio(r1000)} | {verdict(r1000 >= 3)} |
| idle: zero context switches of our threads (idle run of QNS_COMPARE_IDLE_SECONDS, 60 s by default; 30 s in this run) | {oi[2]} | {verdict(int(oi[2]) == 0)} |
| open+close at least Qt's rate | {ratio(cyc)} | {verdict(cyc >= 1)} |
"""

extra = []
if cap:
    extra.append(f"| flood capacity of the backend thread (a backlog of changes), interface with 10 / 2,500 addresses | "
                 f"{int(cap.group(1)):,} / {int(cap.group(2)):,} events per CPU-second | {cap_ratio:.2f}× |")
if paced:
    extra.append(f"| the same paced by `ip` (smaller batches with 2,500 addresses: `ip` is slower there) | "
                 f"{int(paced.group(1)):,} / {int(paced.group(2)):,} events per CPU-second | "
                 f"{int(paced.group(1)) / int(paced.group(2)):.2f}× |")
if mem:
    extra.append(f"| heap per configuration record at {mem.group(1)} configurations (kernel model + engine record) | "
                 f"{int(mem.group(2)):,} B | |")
    extra.append(f"| heap per open session at {mem.group(1)} configurations (10,000 sessions) | "
                 f"{int(mem.group(3)):,} B | |")
for label in ("open+close cycles per second (Active, no callbacks)", "open+close cycles per second (with 2 callbacks)",
              "events delivered per second through one loop", "events queued per second (emission side)"):
    value = core_figure(label)
    if value == value:
        extra.append(f"| {label}, simulated backend (benches/core.rs) | {value:,.0f} | |")
extra = "| figure | measured | |\n|---|---|---|\n" + "\n".join(extra) + "\n" if extra else ""

notes_file = Path(__file__).with_name("notes.md")
notes = notes_file.read_text().strip() + "\n" if notes_file.exists() else ""

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for side, index, label, marker in ((0, 0, "libqnetworksession", "o"), (1, 1, "Qt 5.15 @100 ms poll", "s")):
        med = [statistics.median(links[n][index]) / 1e3 for n in SIZES]
        lo = [med[i] - pct(links[n][index], 0.1) / 1e3 for i, n in enumerate(SIZES)]
        hi = [pct(links[n][index], 0.9) / 1e3 - med[i] for i, n in enumerate(SIZES)]
        ax.errorbar(SIZES, med, yerr=[lo, hi], marker=marker, capsize=3, label=label + " (median, p10–p90)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("network links in the namespace")
    ax.set_ylabel("address change → configurationChanged (ms)")
    ax.set_title("Change-notification latency against the number of links, one run")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(docs / "performance-links.png", dpi=110)
except ImportError:
    pass

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

## Against the number of links

Address loss and return on one interface (`cmp0`) while the namespace holds
that many links (ifb devices), same run, same machine:

{scaling}
![latency against the number of links](performance-links.png)

## Capacity and memory

{extra}
## Against the targets

{targets}
{notes}
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
benches/compare-qt5            # about 15 minutes; prints the table, rewrites this page and the plots
```
It also runs `benches/netlink.sh` (session-level latency against the number
of links, start-up against the floor program `benches/netlink_floor.c`,
flood capacity, memory) and `benches/core.rs`; `benches/revisions.sh`
builds the core benchmark at several revisions and runs them side by side.
`QNS_COMPARE_IDLE_SECONDS` and `QNS_COMPARE_QT_DEFAULT_CHANGES` shorten the
idle run (60 s) and the default-poll run (10 changes).
""")
