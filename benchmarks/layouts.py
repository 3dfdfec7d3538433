"""Recovery of gold table numbers per text layout (the layout fuzzer of ``xxgk.evaluate.layouts``).

Every gold file of ``../shared/gold`` with tables is written in each layout
(with and without blank lines, pinyin, wrapped labels, rows or columns cut off)
and read back. Prints, per layout and variant, the numbers recovered, the
numbers read as null with a finding, and the wrong numbers (which must be 0).

    python benchmarks/layouts.py [--gold ../shared/gold] [--seeds 2]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from xxgk.evaluate.layouts import LAYOUTS, LayoutScore, Options, render, score

VARIANTS = {
    "plain": Options(),
    "blank-lines": Options(blank_lines=True),
    "pinyin": Options(pinyin=True),
    "wrapped": Options(wrapped=True),
    "cut-rows": Options(cut_rows=3),
    "cut-cols": Options(cut_cols=1),
}


def gold_tables(folder: Path) -> list[tuple[str, dict]]:
    out = []
    for p in sorted(folder.glob("*.json")):
        g = json.loads(p.read_text(encoding="utf-8"))
        if g.get("tables"):
            out.append((p.stem, g["tables"]))
    return out


def run(folder: Path, seeds: int = 1, layouts=None, variants=None) -> dict[tuple[str, str], LayoutScore]:
    results: dict[tuple[str, str], LayoutScore] = {}
    for layout in layouts or LAYOUTS:
        for vname, base in (variants or VARIANTS).items():
            agg = LayoutScore()
            for stem, tables in gold_tables(folder):
                for seed in range(seeds):
                    opts = Options(**{**base.__dict__, "seed": seed * 1000 + sum(map(ord, stem))})
                    text = render(tables, layout, opts)
                    s = score(text, tables, expect_blank=layout == "mostly-empty-pipe")
                    s.wrong = [f"{stem}: {w}" for w in s.wrong]
                    s.unflagged = [f"{stem}: {w}" for w in s.unflagged]
                    agg.add(s)
            results[(layout, vname)] = agg
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default=str(Path(__file__).resolve().parents[2] / "shared" / "gold"))
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--layout", action="append")
    args = ap.parse_args()
    results = run(Path(args.gold), args.seeds, args.layout)
    print(f"{'layout':22} {'variant':12} {'numbers':>7} {'recovered':>9} {'null':>5} {'wrong':>5} {'unflagged':>9}")
    for (layout, vname), s in results.items():
        print(f"{layout:22} {vname:12} {s.total:7d} {s.rate:9.1%} {s.null:5d} {len(s.wrong):5d} {len(s.unflagged):9d}")
    for (layout, vname), s in results.items():
        for w in (s.wrong + s.unflagged)[:3]:
            print(f"  {layout}/{vname}: {w}")


if __name__ == "__main__":
    main()
