"""Derive the shipped list of real CS2 market hash names from the shared price snapshot.

Usage (from the repository root)::

    python packaging/derive_market_names.py /path/to/steam-market-prices.json

The source is ByMykel/counter-strike-price-tracker (``static/latest.json``, MIT licence), as
sampled into ``steam-market-prices.json``. The app never reads that file: this script writes
``skins_console/resources/market_names.txt.gz`` (the names, byte-exact, sorted by code
point, one per line, UTF-8, gzip) and ``market_names.NOTICE.txt`` (source and licence).
Names are copied as they are, never trimmed or re-spaced: Steam's own spelling (two spaces
before a pipe, a trailing pipe, CJK characters) is what Skinslink matches. The output is
deterministic (a fixed gzip timestamp), so re-running it changes nothing in git.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "skins_console" / "resources"
NAMES_FILE = "market_names.txt.gz"
NOTICE_FILE = "market_names.NOTICE.txt"

NOTICE = """\
market_names.txt.gz: {count} real Steam Community Market hash names for CS2 (appid 730),
byte-exact, one per line, UTF-8, gzip. Snapshot {snapshot}.

Derived by packaging/derive_market_names.py from the price snapshot of
ByMykel/counter-strike-price-tracker (https://github.com/ByMykel/counter-strike-price-tracker,
static/latest.json), used under the MIT licence:

MIT License

Copyright (c) 2026 ByMykel

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


def derive(source: Path, out_dir: Path = OUT_DIR) -> int:
    document = json.loads(source.read_text(encoding="utf-8"))
    prices = document.get("prices")
    if not isinstance(prices, dict) or not prices:
        raise SystemExit(f"{source}: no 'prices' object of name -> cents")
    names = sorted(prices)
    for name in names:
        # One name per line: a name holding a line break could not be stored this way.
        if not name or "\n" in name or "\r" in name:
            raise SystemExit(f"{source}: unusable name {name!r}")
    raw = io.BytesIO()
    with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as packed:
        packed.write("\n".join(names).encode("utf-8"))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / NAMES_FILE).write_bytes(raw.getvalue())
    notice = NOTICE.format(count=len(names), snapshot=document.get("snapshot", "unknown"))
    (out_dir / NOTICE_FILE).write_text(notice, encoding="utf-8")
    return len(names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="steam-market-prices.json")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    count = derive(args.source, args.out_dir)
    print(f"{count} names -> {args.out_dir / NAMES_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
