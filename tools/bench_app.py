#!/usr/bin/env python3
"""The release app, measured as a merchant runs it. Prints one table:

  - installer sizes (.deb, .rpm, .AppImage);
  - cold start: from starting the process to the window's page loaded (the app logs
    "window shown" at that moment), best and median of a few starts, each with a new data dir;
  - at the dashboard with every flow on, in demo mode (the simulators run inside the app), after
    60 s: resident memory (RSS) and proportional memory (PSS, shared pages split between the
    processes that share them) of the app process and of WebKit's processes, and CPU while idle;
  - the same after a run that books 5,000 till sales (BENCH_ORDERS).

Targets (issue 14): app idle RSS < 60 MB, total < 250 MB, idle CPU < 0.5 %, cold start < 1.5 s.
Run on a headless desktop: `make bench-app` (tools/with-desktop.sh python3 tools/bench_app.py ...).
"""
import argparse
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def tree(pid):
    """`pid` and all its descendants."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def name(pid):
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def memory(pid):
    """(RSS, PSS) in MB."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0, 0.0
    fields = {line.split(":")[0]: int(line.split()[1]) for line in rollup.splitlines()[1:] if line.split()[-1] == "kB"}
    return fields.get("Rss", 0) / 1024, fields.get("Pss", 0) / 1024


def cpu_seconds(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def snapshot(app):
    """Memory per process kind: the app, WebKit's web and network processes, anything else."""
    kinds = {}
    for pid in tree(app):
        kind = {"posbridge-app": "app", "WebKitWebProces": "webkit web", "WebKitNetworkPr": "webkit network"}.get(name(pid), name(pid))
        rss, pss = memory(pid)
        total = kinds.setdefault(kind, [0.0, 0.0])
        total[0] += rss
        total[1] += pss
    return kinds


def idle_cpu(app, seconds):
    """CPU of the whole process tree over `seconds`, in % of one core."""
    pids = tree(app)
    before = sum(cpu_seconds(p) for p in pids)
    time.sleep(seconds)
    after = sum(cpu_seconds(p) for p in tree(app))
    return 100 * (after - before) / seconds


class App:
    """The app on `data_dir`, its stderr read for "window shown"."""

    def __init__(self, binary, data_dir, env):
        self.started = time.monotonic()
        self.shown = threading.Event()
        self.shown_after = None
        self.log = []
        self.process = subprocess.Popen([binary], env=dict(env, POSBRIDGE_DATA_DIR=str(data_dir)),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stderr:
            self.log.append(line)
            if "window shown" in line and not self.shown.is_set():
                self.shown_after = time.monotonic() - self.started
                self.shown.set()

    def wait_shown(self, timeout=60):
        if not self.shown.wait(timeout):
            raise SystemExit("the window was not shown:\n" + "".join(self.log[-30:]))
        return self.shown_after

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def set_up_demo(cli, data_dir, env):
    """A merchant live on the demo systems with every flow on."""
    run_env = dict(env, POSBRIDGE_DATA_DIR=str(data_dir))
    subprocess.run([cli, "demo", "--orders", "0"], env=run_env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([cli, "flows", "on", "all", "--interval", "60"], env=run_env, check=True, stdout=subprocess.DEVNULL)


def ring_up(data_dir, orders):
    """`orders` till sales at the app's demo till, through its control endpoint."""
    info = json.loads((data_dir / "demo-systems.json").read_text())
    till = info["salespos_control"]
    products = json.load(urllib.request.urlopen(f"{till}__sim/shop"))["products"].values()
    # The demo's "POS-" products are unknown to the bookkeeping (their sales fail, by design).
    catalogue = sorted(p["productnumber"] for p in products if not p["productnumber"].startswith("POS-"))[:40]
    for n in range(orders):
        sale = {"lines": [{"sku": catalogue[n % len(catalogue)], "quantity": 1 + n % 3}], "payment": "pin" if n % 4 else "cash"}
        request = urllib.request.Request(f"{till}__sim/sale", data=json.dumps(sale).encode(), headers={"content-type": "application/json"})
        urllib.request.urlopen(request).read()


def booked_since(data_dir, since_id):
    with sqlite3.connect(f"file:{data_dir / 'posbridge.sqlite3'}?mode=ro", uri=True) as db:
        row = db.execute(
            "SELECT count(*), coalesce(sum(created), 0), coalesce(max(finished_at IS NULL), 0) FROM runs WHERE flow = 'orders' AND dry_run = 0 AND id > ?",
            (since_id,)).fetchone()
        return row


def last_run_id(data_dir):
    with sqlite3.connect(f"file:{data_dir / 'posbridge.sqlite3'}?mode=ro", uri=True) as db:
        return db.execute("SELECT coalesce(max(id), 0) FROM runs").fetchone()[0]


def simulators_alone(cli, env):
    """RSS of the demo systems by themselves (`posbridge sandbox`, the same simulators and seed the
    app hosts in demo mode): the part of the app's figure a merchant on real systems does not
    carry."""
    process = subprocess.Popen([cli, "sandbox"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        process.stdout.readline()
        time.sleep(2)
        return memory(process.pid)[0]
    finally:
        process.terminate()
        process.wait(10)


def row(label, kinds, cpu=None):
    app_rss, app_pss = kinds.get("app", (0, 0))
    web = [v for k, v in kinds.items() if k != "app"]
    total_rss = app_rss + sum(v[0] for v in web)
    total_pss = app_pss + sum(v[1] for v in web)
    details = ", ".join(f"{k} {v[0]:.0f}/{v[1]:.0f}" for k, v in sorted(kinds.items()) if k != "app")
    cpu_text = f"{cpu:.2f} %" if cpu is not None else "-"
    print(f"{label:<34} app {app_rss:6.1f} MB RSS ({app_pss:5.1f} PSS)  total {total_rss:6.1f} MB RSS ({total_pss:5.1f} PSS)  CPU {cpu_text}")
    print(f"{'':<34} {details} (RSS/PSS MB)")
    return app_rss, total_rss, total_pss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--app", type=Path, required=True)
    parser.add_argument("--cli", type=Path, required=True)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    orders = int(os.environ.get("BENCH_ORDERS", "5000"))
    settle = int(os.environ.get("BENCH_SETTLE", "60"))
    env = dict(os.environ, RUST_LOG="info")

    print("Installers")
    for pattern in ["deb/*.deb", "rpm/*.rpm", "appimage/*.AppImage"]:
        for file in sorted(args.bundle.glob(pattern)):
            print(f"  {file.name:<40} {file.stat().st_size / 1e6:7.1f} MB")

    scratch = Path(tempfile.mkdtemp(prefix="posbridge-bench-"))
    starts = []
    for n in range(args.starts):
        app = App(args.app, scratch / f"start-{n}", env)
        starts.append(app.wait_shown())
        app.stop()
    print(f"Cold start to window shown (welcome screen, new data dir): best {min(starts):.2f} s, median {statistics.median(starts):.2f} s of {len(starts)}")

    data_dir = scratch / "shop"
    set_up_demo(args.cli, data_dir, env)
    app = App(args.app, data_dir, env)
    shown = app.wait_shown()
    print(f"Start to window shown at the dashboard, demo systems starting: {shown:.2f} s")
    time.sleep(settle)
    cpu = idle_cpu(app.process.pid, 30)
    idle = row(f"Idle at the dashboard after {settle} s", snapshot(app.process.pid), cpu)

    before = last_run_id(data_dir)
    started = time.monotonic()
    ring_up(data_dir, orders)
    rung = time.monotonic() - started
    while True:
        runs, created, running = booked_since(data_dir, before)
        if created >= orders and not running:
            break
        if time.monotonic() - started > 3600:
            raise SystemExit(f"only {created} of {orders} orders booked after an hour")
        time.sleep(5)
    took = time.monotonic() - started - rung
    print(f"{orders} till sales rung up in {rung:.0f} s, booked in {took:.0f} s by {runs} scheduled runs")
    peak = row(f"Right after the {orders}-order run", snapshot(app.process.pid))
    time.sleep(settle)
    cpu = idle_cpu(app.process.pid, 30)
    after = row(f"Idle {settle} s after the run", snapshot(app.process.pid), cpu)
    app.stop()

    print(f"The demo systems alone (posbridge sandbox, idle, seeded): {simulators_alone(args.cli, env):.1f} MB RSS,"
          " part of the app's figures above (demo mode hosts them in the app's process)")
    print()
    print("Targets: app idle RSS < 60 MB, total < 250 MB, idle CPU < 0.5 %, cold start < 1.5 s")
    print(f"  app idle RSS {idle[0]:.1f} MB, total {idle[1]:.1f} MB RSS ({idle[2]:.1f} PSS), cold start {statistics.median(starts):.2f} s")
    del peak, after


if __name__ == "__main__":
    sys.exit(main())
