"""Regenerate src/mapping/yrkeskoder.rs from SSB's Yrkeskatalog in KLASS CSV
format (l10n.no.job.code.csv; source and commit in the generated file).

Usage: python3 plugins/twentyfour-seven/data/yrkeskoder.py [CSV]
(default CSV: ../shared/data/a-ordningen/l10n.no.job.code.csv)
"""
import csv
import pathlib
import sys

here = pathlib.Path(__file__).resolve().parent
source = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else here / "../../../../shared/data/a-ordningen/l10n.no.job.code.csv"
rows = list(csv.DictReader(open(source, encoding="utf-8"), delimiter=";"))
codes = sorted({int(r["code"]) for r in rows if not r["validTo"]})
target = here / "../src/mapping/yrkeskoder.rs"
text = target.read_text(encoding="utf-8")
header = text[: text.index("/// Every valid yrkeskode")]
lines = [header, "/// Every valid yrkeskode, ascending.\n#[rustfmt::skip]\n", f"pub static YRKESKODER: [u32; {len(codes)}] = [\n"]
for i in range(0, len(codes), 10):
    lines.append("    " + ", ".join(str(c) for c in codes[i : i + 10]) + ",\n")
lines.append("];\n")
target.write_text("".join(lines), encoding="utf-8")
print(f"{len(codes)} codes written to {target}")
