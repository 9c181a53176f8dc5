#!/usr/bin/env python3
"""Reads admit-report.xlsx with nothing but zipfile and an XML parser (an
independent reader, not the code that wrote it) and checks that every sheet
holds the same figures as the CSV file of the same name.

  xlsx_matches_csv.py WORKBOOK CSV_DIR
  xlsx_matches_csv.py --json WORKBOOK     the workbook as JSON, for the C++ tests


Times: a CSV "2023-09-25 17:31:05" must be an Excel date-time number with a
date format; numbers must be numeric cells equal to the CSV text at the CSV's
precision; text must match exactly, except that the CSV puts a ' before text
a spreadsheet would run as a formula (starting with = + - @, tab or CR) and
the sheet, whose inline strings never run, holds the text itself. Every sheet
must have a frozen header row.
Prints each difference; exit status 0 only when there is none. Either way
every zip member's CRC is checked first.

The JSON form: {"sheets": [{"name", "frozen", "widths": [{"min", "max",
"width", "style"}], "autofilter", "filter_name", "rows": [[cell or null]]}]}
with a cell {"v": text or number, "t": "s" or "n", "fmt": number format,
"bold": true or false}.
"""
import csv
import datetime
import json
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
ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
NUMBER = re.compile(r"^-?\d+(\.(\d+))?$")
FORMULA_GUARD = re.compile(r"^'+[=+\-@\t\r]")


def without_guard(text):
    """The text behind the CSV's formula guard, as the sheet holds it."""
    return text[1:] if FORMULA_GUARD.match(text) else text


def col_index(ref):
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def text_of(el):
    """A string cell's text as Excel reads it: _xHHHH_ is the character HHHH."""
    raw = "".join(t.text or "" for t in el.iter(M + "t"))
    return ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), raw)


def read_workbook(path):
    z = zipfile.ZipFile(path)
    bad = z.testzip()
    if bad is not None:
        raise SystemExit(f"{path}: member {bad} fails its CRC check")
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(M + "si"):
            shared.append(text_of(si))
    styles = ET.fromstring(z.read("xl/styles.xml"))
    custom = {int(f.get("numFmtId")): f.get("formatCode") for f in styles.iter(M + "numFmt")}
    xfs = styles.find("m:cellXfs", NS)
    formats = [custom.get(int(xf.get("numFmtId", "0")), "") for xf in xfs.findall("m:xf", NS)]
    fonts = styles.find("m:fonts", NS).findall("m:font", NS)
    bold = [fonts[int(xf.get("fontId", "0"))].find("m:b", NS) is not None
            for xf in xfs.findall("m:xf", NS)]
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", NS)}
    book = ET.fromstring(z.read("xl/workbook.xml"))
    sheets = {}
    for s in book.find("m:sheets", NS):
        rid = s.get("{%s}id" % NS["r"])
        sheets[s.get("name")] = "xl/" + target[rid].lstrip("/").removeprefix("xl/")
    filter_names = {}
    for d in book.iter(M + "definedName"):
        if d.get("name") == "_xlnm._FilterDatabase":
            filter_names[int(d.get("localSheetId"))] = d.text
    return z, shared, (formats, bold), sheets, filter_names


def read_sheet(z, member, shared, styles, info=None):
    """Rows as lists of (value, number_format, bold) with value None for empty
    cells. Column widths and the autofilter go into info when given."""
    formats, bold = styles
    rows = []
    frozen = False
    with z.open(member) as f:
        for _, el in ET.iterparse(f):
            if el.tag == M + "pane" and el.get("state") == "frozen" and el.get("ySplit") == "1":
                frozen = True
            if info is not None and el.tag == M + "col":
                info.setdefault("widths", []).append({
                    "min": int(el.get("min")), "max": int(el.get("max")),
                    "width": float(el.get("width")),
                    "style": formats[int(el.get("style", "0"))]})
            if info is not None and el.tag == M + "autoFilter":
                info["autofilter"] = el.get("ref")
            if el.tag != M + "row":
                continue
            r = int(el.get("r")) - 1
            while len(rows) <= r:
                rows.append([])
            row = rows[r]
            for c in el.findall("m:c", NS):
                i = col_index(c.get("r"))
                while len(row) <= i:
                    row.append((None, "", False))
                kind = c.get("t", "n")
                fmt = formats[int(c.get("s", "0"))]
                is_bold = bold[int(c.get("s", "0"))]
                if kind == "inlineStr":
                    value = text_of(c)
                elif kind == "s":
                    value = shared[int(c.find("m:v", NS).text)]
                elif kind == "str":
                    value = c.find("m:v", NS).text or ""
                else:
                    v = c.find("m:v", NS)
                    value = float(v.text) if v is not None else None
                row[i] = (value, fmt, is_bold)
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
            got, fmt, _ = got_row[c] if c < len(got_row) else (None, "", False)
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
            elif got != without_guard(want):
                problems.append(f"{where}: CSV {want!r}, sheet {got!r}")


def dump_json(workbook):
    z, shared, styles, sheets, filter_names = read_workbook(workbook)
    out = []
    for index, (name, member) in enumerate(sheets.items()):
        info = {"name": name, "widths": [], "autofilter": None,
                "filter_name": filter_names.get(index)}
        rows, frozen = read_sheet(z, member, shared, styles, info)
        info["frozen"] = frozen
        info["rows"] = [
            [None if v is None else
             {"v": v, "t": "n" if isinstance(v, float) else "s", "fmt": f, "bold": b}
             for v, f, b in row]
            for row in rows]
        out.append(info)
    json.dump({"sheets": out}, sys.stdout, ensure_ascii=True)
    return 0


def main():
    if sys.argv[1] == "--json":
        return dump_json(sys.argv[2])
    workbook, csv_dir = sys.argv[1], sys.argv[2]
    z, shared, styles, sheets, _ = read_workbook(workbook)
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
        rows, frozen = read_sheet(z, sheets[name], shared, styles)
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
