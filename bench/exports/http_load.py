#!/usr/bin/env python3
"""The HTTP side of deploy/scripts/bench-exports.sh: while admit-load keeps the
stations busy, this keeps the staff side busy for a bounded time, loopback only.

  --xlsx N --csv M   N workers download /api/export.xlsx and M /api/export/scans.csv,
                     each again and again until the end (a download still running
                     then is cut and counted as cut)
  --pdfs N           bursts of N /api/attendees/<id>/badge.pdf at once, one burst
                     after the other; a 503 is retried after its Retry-After
  always             GET /healthz every --healthz-interval s on one kept-alive
                     connection: answers, non-200s, failures, worst time
  --server-pid PID   resets the server's peak RSS (VmHWM, /proc/PID/clear_refs 5)
                     at the start, samples VmRSS every 0.1 s, reads VmHWM at the end

Writes one JSON object (--json) and prints a short summary. Standard library only.
"""
import argparse
import http.client
import json
import threading
import time


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def pct(values, p):
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


class Clock:
    def __init__(self, seconds):
        self.start = time.monotonic()
        self.end = self.start + seconds

    def left(self):
        return self.end - time.monotonic()


def get(host, port, path, token, clock, buffer):
    """One GET on a fresh connection, read to the end into `buffer` (discarded).
    Returns (status, seconds, bytes, retry_after, cut)."""
    t0 = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=max(1.0, clock.left()))
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        r = conn.getresponse()
        got = 0
        while True:
            left = clock.left()
            if left <= 0:
                return r.status, time.monotonic() - t0, got, None, True
            conn.sock.settimeout(left)  # a read still waiting at the end is cut then
            try:
                n = r.readinto(buffer)
            except TimeoutError:
                return r.status, time.monotonic() - t0, got, None, True
            if not n:
                break
            got += n
        return r.status, time.monotonic() - t0, got, r.getheader("Retry-After"), False
    except (OSError, http.client.HTTPException):
        return None, time.monotonic() - t0, 0, None, clock.left() <= 0
    finally:
        conn.close()


def export_worker(args, path, clock, out, lock):
    buffer = bytearray(256 * 1024)
    while clock.left() > 0:
        status, secs, size, retry, cut = get(args.host, args.port, path, args.token, clock, buffer)
        with lock:
            out.append({"path": path, "status": status, "seconds": round(secs, 3), "bytes": size, "cut": cut})
        if status == 503 and not cut:
            time.sleep(min(float(retry or 1), max(0.0, clock.left())))
        elif status != 200 and not cut:
            time.sleep(0.5)  # a failure: do not spin


def pdf_bursts(args, ids, clock, out, lock):
    burst = 0
    while clock.left() > 0:
        burst += 1
        t0 = time.monotonic()
        threads = []
        for k in range(args.pdfs):
            person = ids[((burst - 1) * args.pdfs + k) % len(ids)]
            threads.append(threading.Thread(target=pdf_one, args=(args, person, burst, clock, out, lock)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with lock:
            out.append({"burst": burst, "seconds": round(time.monotonic() - t0, 3)})


def pdf_one(args, person, burst, clock, out, lock):
    buffer = bytearray(64 * 1024)
    busy = 0
    while clock.left() > 0:
        status, secs, size, retry, cut = get(args.host, args.port, f"/api/attendees/{person}/badge.pdf",
                                             args.token, clock, buffer)
        if status == 503 and not cut:
            busy += 1
            time.sleep(min(float(retry or 1), max(0.0, clock.left())))
            continue
        with lock:
            out.append({"pdf": person, "burst": burst, "status": status, "seconds": round(secs, 4),
                        "bytes": size, "busy_503": busy, "cut": cut})
        return


def healthz(args, clock, out):
    conn = None
    while clock.left() > 0:
        t0 = time.monotonic()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(args.host, args.port, timeout=10)
            conn.request("GET", "/healthz")
            r = conn.getresponse()
            r.read()
            out.append((r.status, time.monotonic() - t0))
        except (OSError, http.client.HTTPException):
            out.append((None, time.monotonic() - t0))
            if conn is not None:
                conn.close()
            conn = None
        time.sleep(max(0.0, min(args.healthz_interval - (time.monotonic() - t0), clock.left())))
    if conn is not None:
        conn.close()


def rss_sampler(pid, clock, samples):
    while clock.left() > 0:
        try:
            samples.append(status_kib(pid, "VmRSS"))
        except OSError:
            return
        time.sleep(0.1)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int)
    p.add_argument("--port-file")
    p.add_argument("--token", required=True, help="staff token")
    p.add_argument("--duration", type=float, required=True, help="seconds in all (at most 600)")
    p.add_argument("--xlsx", type=int, default=0)
    p.add_argument("--csv", type=int, default=0)
    p.add_argument("--csv-report", default="scans.csv")
    p.add_argument("--pdfs", type=int, default=0, help="badge PDFs per burst")
    p.add_argument("--roster", help="roster CSV (first column: attendee id) for the PDFs")
    p.add_argument("--healthz-interval", type=float, default=0.1)
    p.add_argument("--server-pid", type=int)
    p.add_argument("--label", default="")
    p.add_argument("--json")
    args = p.parse_args()
    if not args.host.startswith("127."):
        p.error("--host must be a loopback address (127.x.x.x)")
    if not 0 < args.duration <= 600:
        p.error("--duration must be in (0, 600]")
    if args.port is None:
        with open(args.port_file) as f:
            args.port = int(f.read().split()[0])
    ids = []
    if args.pdfs:
        with open(args.roster) as f:
            rows = [line.split(",")[0].strip().strip('"') for line in f if line.strip()]
        ids = rows[1:]  # the header

    report = {"label": args.label, "xlsx": args.xlsx, "csv": args.csv, "pdfs_per_burst": args.pdfs,
              "duration": args.duration}
    if args.server_pid:
        report["rss_start_kib"] = status_kib(args.server_pid, "VmRSS")
        report["hwm_lifetime_before_kib"] = status_kib(args.server_pid, "VmHWM")
        try:
            with open(f"/proc/{args.server_pid}/clear_refs", "w") as f:
                f.write("5")  # VmHWM := VmRSS now, so the peak read at the end is this window's
            report["hwm_reset"] = True
        except OSError as e:
            report["hwm_reset"] = False
            report["hwm_reset_error"] = str(e)

    clock = Clock(args.duration)
    lock = threading.Lock()
    exports, pdfs, health, rss = [], [], [], []
    threads = [threading.Thread(target=healthz, args=(args, clock, health))]
    threads += [threading.Thread(target=export_worker, args=(args, "/api/export.xlsx", clock, exports, lock))
                for _ in range(args.xlsx)]
    threads += [threading.Thread(target=export_worker, args=(args, f"/api/export/{args.csv_report}", clock, exports, lock))
                for _ in range(args.csv)]
    if args.pdfs:
        threads.append(threading.Thread(target=pdf_bursts, args=(args, ids, clock, pdfs, lock)))
    if args.server_pid:
        threads.append(threading.Thread(target=rss_sampler, args=(args.server_pid, clock, rss)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    if args.server_pid:
        report["hwm_window_kib"] = status_kib(args.server_pid, "VmHWM")
        report["rss_end_kib"] = status_kib(args.server_pid, "VmRSS")
        rss = [r for r in rss if r]
        report["rss_sampled_max_kib"] = max(rss) if rss else None
        report["rss_growth_kib"] = report["hwm_window_kib"] - report["rss_start_kib"]
    ok = [s for st, s in health if st == 200]
    report["healthz"] = {"asked": len(health), "ok": len(ok), "non_200": sum(1 for st, _ in health if st not in (200, None)),
                         "failed": sum(1 for st, _ in health if st is None),
                         "p50_ms": round(1e3 * pct(ok, 50), 2) if ok else None,
                         "p99_ms": round(1e3 * pct(ok, 99), 2) if ok else None,
                         "worst_ms": round(1e3 * max(s for _, s in health), 2) if health else None}
    done = [e for e in exports if e["status"] == 200 and not e["cut"]]
    kinds = {}
    for e in exports:
        k = kinds.setdefault(e["path"], {"done": 0, "cut": 0, "busy_503": 0, "other": 0, "seconds": [], "bytes": 0})
        if e["cut"]:
            k["cut"] += 1
        elif e["status"] == 200:
            k["done"] += 1
            k["seconds"].append(e["seconds"])
            k["bytes"] = e["bytes"]
        elif e["status"] == 503:
            k["busy_503"] += 1
        else:
            k["other"] += 1
    report["exports"] = kinds
    report["exports_done"] = len(done)
    made = [x for x in pdfs if "pdf" in x]
    if args.pdfs:
        good = [x["seconds"] for x in made if x["status"] == 200 and not x["cut"]]
        report["pdf"] = {"bursts": sum(1 for x in pdfs if "burst" in x and "pdf" not in x),
                         "made": len(good), "busy_503": sum(x["busy_503"] for x in made),
                         "failed": sum(1 for x in made if x["status"] != 200 and not x["cut"]),
                         "p50_ms": round(1e3 * pct(good, 50), 1) if good else None,
                         "max_ms": round(1e3 * max(good), 1) if good else None,
                         "burst_p50_s": pct([x["seconds"] for x in pdfs if "pdf" not in x], 50)}

    h = report["healthz"]
    print(f"http-load [{args.label}]: {args.duration:.0f} s; /healthz {h['ok']} of {h['asked']} answered 200, "
          f"p50 {h['p50_ms']} ms, p99 {h['p99_ms']} ms, worst {h['worst_ms']} ms")
    for path, k in kinds.items():
        secs = k["seconds"]
        print(f"  {path}: {k['done']} done ({k['bytes'] / 1048576:.1f} MiB each, "
              f"{min(secs) if secs else 0:.1f}-{max(secs) if secs else 0:.1f} s), {k['cut']} cut at the end, "
              f"{k['busy_503']} x 503, {k['other']} other")
    if args.pdfs:
        d = report["pdf"]
        print(f"  badge PDFs: {d['made']} made in {d['bursts']} bursts of {args.pdfs}, {d['busy_503']} x 503 (retried), "
              f"{d['failed']} failed; p50 {d['p50_ms']} ms, max {d['max_ms']} ms")
    if args.server_pid:
        print(f"  server RSS {report['rss_start_kib'] / 1024:.0f} MiB at the start, peak {report['hwm_window_kib'] / 1024:.0f} MiB "
              f"in the window (+{report['rss_growth_kib'] / 1024:.0f} MiB; VmHWM reset: {report['hwm_reset']}), "
              f"lifetime peak before {report['hwm_lifetime_before_kib'] / 1024:.0f} MiB")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f)
            f.write("\n")


if __name__ == "__main__":
    main()
