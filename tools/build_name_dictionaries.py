"""Rebuild the shipped name dictionaries in rules/dictionaries/ from IPADIC.

Source: Debian's ``mecab-ipadic`` package (``apt-get install mecab-ipadic``), which
installs the IPADIC CSVs (EUC-JP) in /usr/share/mecab/dic/ipadic/ and the licence in
/usr/share/doc/mecab-ipadic/copyright. Run from the repository root:

    python tools/build_name_dictionaries.py            # write the lists
    python tools/build_name_dictionaries.py --check    # exit 1 if the shipped lists differ

Output (UTF-8, sorted, one ``surface<TAB>reading`` pair a line after one ``#`` line):
``surnames.ipadic.tsv`` from entries tagged 人名,姓 and ``given_names.ipadic.tsv`` from
人名,名, plus ``NOTICE.ipadic`` (IPADIC's copyright and NO WARRANTY text, which must travel
with any list derived from it). Entries written only in katakana are left out: in IPADIC
they are mostly foreign names (ワトソン, ホセ) that collide with loanwords, and Japanese
kana names are covered by the readings of the kanji entries. Surfaces longer than four
characters are left out too (foreign names again).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import regex

DEFAULT_SOURCE = Path("/usr/share/mecab/dic/ipadic")
DEFAULT_COPYRIGHT = Path("/usr/share/doc/mecab-ipadic/copyright")
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "rules" / "dictionaries"
NAME_CSV = "Noun.name.csv"
SOURCE_ENCODING = "euc_jp"
MAX_SURFACE_CHARS = 4
OUTPUTS = {"姓": "surnames.ipadic.tsv", "名": "given_names.ipadic.tsv"}
NOTICE = "NOTICE.ipadic"

_KATAKANA_ONLY = regex.compile(r"^[\p{Katakana}ー]+$")
_READING = regex.compile(r"^[\p{Katakana}ー]+$")


def read_entries(csv_path: Path) -> dict[str, set[tuple[str, str]]]:
    """(surface, reading) pairs by kind (姓 or 名) from IPADIC's Noun.name.csv."""
    entries: dict[str, set[tuple[str, str]]] = {kind: set() for kind in OUTPUTS}
    with csv_path.open(encoding=SOURCE_ENCODING, newline="") as f:
        for row in csv.reader(f):
            surface, kind, reading = row[0], row[7], row[11]
            if row[6] != "人名" or kind not in entries:
                continue
            if len(surface) > MAX_SURFACE_CHARS or _KATAKANA_ONLY.match(surface):
                continue
            if not _READING.match(reading):
                continue
            entries[kind].add((surface, reading))
    return entries


def render_list(kind: str, pairs: set[tuple[str, str]]) -> str:
    header = f"# IPADIC 人名,{kind}: surface<TAB>katakana reading. Built by tools/build_name_dictionaries.py; see NOTICE.ipadic\n"
    return header + "".join(f"{s}\t{r}\n" for s, r in sorted(pairs))


def render_notice(copyright_path: Path) -> str:
    """IPADIC's own licence paragraph from the Debian copyright file, unwrapped from DEP-5."""
    lines = copyright_path.read_text(encoding="utf-8").splitlines()
    start = lines.index("License: BSD-3-Clause-with-ICOT-term") + 1
    body: list[str] = []
    for line in lines[start:]:
        if not line.startswith(" "):
            break
        body.append("" if line.strip() == "." else line[1:])
    intro = "The name lists in this directory are derived from IPADIC (mecab-ipadic 2.7.0-20070801).\n\n"
    return intro + "\n".join(body).rstrip() + "\n"


def build(source: Path, copyright_path: Path) -> dict[str, str]:
    """File name -> content of every shipped file."""
    entries = read_entries(source / NAME_CSV)
    files = {OUTPUTS[kind]: render_list(kind, pairs) for kind, pairs in entries.items()}
    files[NOTICE] = render_notice(copyright_path)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="IPADIC CSV directory")
    parser.add_argument("--copyright", type=Path, default=DEFAULT_COPYRIGHT)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    files = build(args.source, args.copyright)
    stale = [name for name, text in files.items()
             if not (args.out / name).exists() or (args.out / name).read_text(encoding="utf-8") != text]
    if args.check:
        for name in stale:
            print(f"differs from a fresh build: {args.out / name}", file=sys.stderr)
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8")
        print(f"wrote {args.out / name} ({text.count(chr(10)) - 1} lines)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
