#!/usr/bin/env python3
"""Reads admit-report.xlsx with nothing but zipfile and an XML parser (an
independent reader: not libxlsxwriter) and checks that every sheet holds the
same figures as the CSV file of the same name.

  xlsx_matches_csv.py WORKBOOK CSV_DIR

Times: a CSV "2023-09-25 17:31:05" must be an Excel date-time number with a
date format; numbers must be numeric cells equal to the CSV text at the CSV's
precision; text must match exactly. Every sheet must have a frozen header row.
Prints each difference; exit status 0 only when there is none.
"""
import csv
import datetime
import os
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
M = "{%s}" % NS["m"]
TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
NUMBER = re.compile(r"^-?\d+(\.(\d+))?$")


def col_index(ref):
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def read_workbook(path):
    z = zipfile.ZipFile(path)
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(M + "si"):
            shared.append("".join(t.text or "" for t in si.iter(M + "t")))
    styles = ET.fromstring(z.read("xl/styles.xml"))
    custom = {int(f.get("numFmtId")): f.get("formatCode") for f in styles.iter(M + "numFmt")}
    xfs = styles.find("m:cellXfs", NS)
    formats = [custom.get(int(xf.get("numFmtId", "0")), "") for xf in xfs.findall("m:xf", NS)]
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", NS)}
    book = ET.fromstring(z.read("xl/workbook.xml"))
    sheets = {}
    for s in book.find("m:sheets", NS):
        rid = s.get("{%s}id" % NS["r"])
        sheets[s.get("name")] = "xl/" + target[rid].lstrip("/").removeprefix("xl/")
    return z, shared, formats, sheets


def read_sheet(z, member, shared, formats):
    """Rows as lists of (value, number_format) with value None for empty cells."""
    rows = []
    frozen = False
    with z.open(member) as f:
        for _, el in ET.iterparse(f):
            if el.tag == M + "pane" and el.get("state") == "frozen" and el.get("ySplit") == "1":
                frozen = True
            if el.tag != M + "row":
                continue
            r = int(el.get("r")) - 1
            while len(rows) <= r:
                rows.append([])
            row = rows[r]
            for c in el.findall("m:c", NS):
                i = col_index(c.get("r"))
                while len(row) <= i:
                    row.append((None, ""))
                kind = c.get("t", "n")
                fmt = formats[int(c.get("s", "0"))]
                if kind == "inlineStr":
                    value = "".join(t.text or "" for t in c.iter(M + "t"))
                elif kind == "s":
                    value = shared[int(c.find("m:v", NS).text)]
                elif kind == "str":
                    value = c.find("m:v", NS).text or ""
                else:
                    v = c.find("m:v", NS)
                    value = float(v.text) if v is not None else None
                row[i] = (value, fmt)
            el.clear()
    return rows, frozen


def as_time(serial):
    t = datetime.datetime(1899, 12, 30) + datetime.timedelta(days=serial)
    t = (t + datetime.timedelta(milliseconds=500)).replace(microsecond=0)
    return t.strftime("%Y-%m-%d %H:%M:%S")


def compare(name, csv_rows, rows, problems):
    if len(csv_rows) != len(rows):
        problems.append(f"{name}: {len(csv_rows)} CSV rows but {len(rows)} sheet rows")
    for r, (want_row, got_row) in enumerate(zip(csv_rows, rows)):
        for c, want in enumerate(want_row):
            got, fmt = got_row[c] if c < len(got_row) else (None, "")
            where = f"{name}!R{r + 1}C{c + 1}"
            if want == "":
                if got not in (None, ""):
                    problems.append(f"{where}: CSV empty, sheet {got!r}")
            elif r > 0 and TIME.match(want):
                if not isinstance(got, float) or "yy" not in fmt:
                    problems.append(f"{where}: want a date-time cell for {want}, got {got!r} ({fmt})")
                elif as_time(got) != want:
                    problems.append(f"{where}: CSV {want}, sheet {as_time(got)}")
            elif r > 0 and NUMBER.match(want) and isinstance(got, float):
                decimals = len(want.split(".")[1]) if "." in want else 0
                if f"{got:.{decimals}f}" != want:
                    problems.append(f"{where}: CSV {want}, sheet {got!r}")
            elif got != want:
                problems.append(f"{where}: CSV {want!r}, sheet {got!r}")


def main():
    workbook, csv_dir = sys.argv[1], sys.argv[2]
    z, shared, formats, sheets = read_workbook(workbook)
    problems = []
    checked = 0
    for file in sorted(os.listdir(csv_dir)):
        if not file.endswith(".csv"):
            continue
        name = file[:-4]
        with open(os.path.join(csv_dir, file), encoding="utf-8-sig", newline="") as f:
            csv_rows = list(csv.reader(f))
        if name not in sheets:
            problems.append(f"no sheet {name!r} in the workbook")
            continue
        rows, frozen = read_sheet(z, sheets[name], shared, formats)
        if not frozen:
            problems.append(f"{name}: header row is not frozen")
        compare(name, csv_rows, rows, problems)
        checked += 1
    for p in problems[:50]:
        print(p)
    print(f"checked {checked} sheets, {len(problems)} difference(s)")
    return 0 if checked > 0 and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
