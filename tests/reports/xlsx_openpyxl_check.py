#!/usr/bin/env python3
"""Opens the workbook that `admit export` wrote the way a spreadsheet user's
program does, with openpyxl (Debian python3-openpyxl: a reader we did not
write), and checks what a user would look at: the sheets, their header rows,
that times are real date-times, that Hangul text survives, and that a few
figures agree between sheets.

  xlsx_openpyxl_check.py WORKBOOK

Prints each problem; exit status 0 only when there is none, 3 when openpyxl
is missing (deploy/scripts/install-deps.sh installs it).
"""
import datetime
import sys

try:
    import openpyxl
except ImportError:
    print("openpyxl is missing: install the Debian package python3-openpyxl "
          "(deploy/scripts/install-deps.sh does)")
    sys.exit(3)

# The sheets a user opens first, and the columns they expect in each.
EXPECTED_HEADERS = {
    "scans": ["seq", "scan_id", "kind", "device_time", "server_time", "station_id", "hall_id",
              "attendee_id", "name", "category", "direction", "verdict", "reason"],
    "audit": ["time", "actor", "action", "subject", "attendee_id", "name", "hall_id", "note",
              "clock"],
    "refusals": ["reason", "station_id", "hall_id", "count"],
}


def rows_of(sheet):
    """The sheet as dicts by header, as a user reads it under the frozen header row."""
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        return [], []
    header = [str(h) if h is not None else "" for h in rows[0]]
    return header, [dict(zip(header, r)) for r in rows[1:] if any(v is not None for v in r)]


def main(path):
    problems = []
    wb = openpyxl.load_workbook(path)  # full mode: styles, formats, frozen panes
    names = wb.sheetnames
    for wanted in ["sessions", "attendees", "days", "scans", "audit", "refusals", "occupancy"]:
        if wanted not in names:
            problems.append(f"no sheet {wanted!r}; the workbook has {names}")
    if problems:
        return problems

    for sheet_name, expected in EXPECTED_HEADERS.items():
        header, _ = rows_of(wb[sheet_name])
        if header[:len(expected)] != expected and header != expected:
            problems.append(f"{sheet_name}: header {header} does not start with {expected}")
    for sheet_name in names:
        if wb[sheet_name].freeze_panes != "A2":
            problems.append(f"{sheet_name}: the header row is not frozen ({wb[sheet_name].freeze_panes})")

    header, scans = rows_of(wb["scans"])
    if not scans:
        problems.append("scans: no rows")
    for r in scans:
        if not isinstance(r.get("server_time"), datetime.datetime):
            problems.append(f"scans: server_time {r.get('server_time')!r} of seq {r.get('seq')} "
                            "is not a date-time a spreadsheet can sort and filter")
            break
        if not isinstance(r.get("seq"), int):
            problems.append(f"scans: seq {r.get('seq')!r} is not a number")
            break
    if "clock" not in header:
        problems.append("scans: no clock column (real or rehearsal clock)")

    # Refusals per reason add up to the refused scans that were not annulled.
    _, refusals = rows_of(wb["refusals"])
    refused = sum(1 for r in scans if r.get("verdict") == "refused" and r.get("annulled") != "yes")
    counted = sum(int(r["count"]) for r in refusals)
    if counted != refused:
        problems.append(f"refusals: counts add up to {counted} but the scans sheet has {refused} refused scans")

    # Hangul names come through as text.
    _, attendees = rows_of(wb["attendees"])
    if not any(isinstance(r.get("name"), str) and any("\uac00" <= ch <= "\ud7a3" for ch in r["name"])
               for r in attendees):
        problems.append("attendees: no Hangul name survived")
    print(f"{path}: {len(names)} sheets, {len(scans)} scans, {counted} refusals, "
          f"{len(attendees)} attendees")
    return problems


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    found = main(sys.argv[1])
    for p in found:
        print(p)
    sys.exit(1 if found else 0)
