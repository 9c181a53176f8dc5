#!/usr/bin/env python3
"""The table of deploy/scripts/bench-exports.sh: one row per case and round
(admit-load's load-*.json, http_load.py's http-*.json, machine-*.txt), then
the issue's targets judged round by round against that round's base case:
station p99 within 2x of no exports, server RSS growth under 100 MiB."""
import glob
import json
import os
import re
import sys


def read(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def loadavg(folder, label):
    path = os.path.join(folder, f"machine-{label}.txt")
    if not os.path.exists(path):
        return "?"
    text = open(path).read()
    found = re.findall(r"loadavg (\S+)", text)
    return " / ".join(found) if found else "?"


def main(folder):
    labels = sorted({os.path.basename(p)[5:-5] for p in glob.glob(os.path.join(folder, "load-*.json"))},
                    key=lambda s: (int(s.rsplit("-", 1)[1]), ["base", "exports", "pdfs"].index(s.rsplit("-", 1)[0])))
    size = open(os.path.join(folder, "log-size.txt")).read().split("\n")[0] if os.path.exists(
        os.path.join(folder, "log-size.txt")) else ""
    m = re.search(r"rebuilt from (\d+) logged scans", size)
    print(f"Stations while exports run: log of {int(m.group(1)):,} scans" if m else "Stations while exports run")
    print()
    print("| case | scans/s | p50 ms | p99 ms | p99.9 ms | max ms | server CPU s | RSS start / window peak MiB (growth) "
          "| /healthz ok of asked, p99 / worst ms | staff side | load avg start / end |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    rows = {}
    for label in labels:
        load = read(os.path.join(folder, f"load-{label}.json")) or {}
        http = read(os.path.join(folder, f"http-{label}.json")) or {}
        rows[label] = (load, http)
        h = http.get("healthz", {})
        staff = ""
        if http.get("exports"):
            staff = "; ".join(f"{os.path.basename(p)} {k['done']} done, {k['cut']} cut, {k['busy_503']} x 503"
                              for p, k in http["exports"].items())
        if http.get("pdf"):
            d = http["pdf"]
            staff = f"PDFs {d['made']} made (p50 {d['p50_ms']} ms, max {d['max_ms']} ms), {d['busy_503']} x 503"
        rss = ""
        if "rss_start_kib" in http:
            rss = (f"{http['rss_start_kib'] / 1024:.0f} / {http['hwm_window_kib'] / 1024:.0f} "
                   f"(+{http['rss_growth_kib'] / 1024:.0f})")
        print(f"| {label} | {load.get('throughput', 0):.0f} | {load.get('lat_p50_ms', 0):.2f} | "
              f"{load.get('lat_p99_ms', 0):.2f} | {load.get('lat_p999_ms', 0):.2f} | {load.get('lat_max_ms', 0):.2f} | "
              f"{load.get('server_cpu_s', 0):.2f} | {rss} | {h.get('ok', 0)} of {h.get('asked', 0)}, "
              f"{h.get('p99_ms')} / {h.get('worst_ms')} | {staff or '-'} | {loadavg(folder, label)} |")
    print()
    for label, (load, http) in rows.items():
        # A run whose scans were refused by the server measured nothing.
        if load.get("errors") or not load.get("lat_count"):
            print(f"- {label}: NOT MEASURED: {load.get('lat_count', 0)} verdicts, server errors {load.get('errors', {})}")
    for label, (load, http) in rows.items():
        kind, round_ = label.rsplit("-", 1)
        if kind == "base":
            continue
        base = rows.get(f"base-{round_}")
        if not base or not base[0].get("lat_p99_ms") or not load.get("lat_p99_ms"):
            continue
        ratio = load["lat_p99_ms"] / base[0]["lat_p99_ms"]
        growth = http.get("rss_growth_kib", 0) / 1024
        base_growth = base[1].get("rss_growth_kib", 0) / 1024
        print(f"- {label}: p99 {load['lat_p99_ms']:.2f} against {base[0]['lat_p99_ms']:.2f} ms with no exports: "
              f"{ratio:.2f}x ({'met' if ratio <= 2 else 'MISSED'}: within 2x); RSS growth {growth:.0f} MiB "
              f"(no exports: {base_growth:.0f}) ({'met' if growth < 100 else 'MISSED'}: under 100 MiB)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
