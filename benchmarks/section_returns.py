"""Section switches back, per report, with the model's free and legal decoding (issue 10, item 2).

For every file under ``../shared/corpus`` (sub-folders included) the
``model`` system places the sentences twice on the same weights, once with
the learnt transition scores only (``legal_decoding = False``, the decoding
of the shipped model until now) and once under the hard constraints of
:meth:`xxgk.neural.crf.CRF.decode_legal` (never back to ``preamble``). It
prints, per run, the returns to ``preamble``, the switches back to any part
the report had already left, and the reports with at least one of each.

    python benchmarks/section_returns.py [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from xxgk.errors import XxgkError
from xxgk.pipeline import get_system, prepare
from xxgk.reading import read


def returns(sections: list[str]) -> tuple[int, int]:
    """``(returns to preamble, switches back to any label already left)`` in a label sequence.

    >>> returns(["preamble", "overview", "preamble", "overview", "applications", "overview"])
    (1, 3)
    """
    left: set[str] = set()
    to_preamble = back = 0
    for prev, cur in zip(sections, sections[1:]):
        if cur != prev:
            left.add(prev)
            if cur in left:
                back += 1
                to_preamble += cur == "preamble"
    return to_preamble, back


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(here.parent / "shared" / "corpus"))
    args = ap.parse_args()
    docs = []
    for f in sorted(p for p in Path(args.corpus).rglob("*") if p.is_file() and p.suffix.lower() != ".tsv"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                docs.append(prepare(read(f)))
        except XxgkError:
            continue
    system = get_system("model")
    model = system.model  # type: ignore[attr-defined]
    rows = []
    for legal in (False, True):
        model.legal_decoding = legal
        preds = system.predict(docs)
        counts = [returns(p.sections) for p in preds]
        rows.append(("legal" if legal else "free", sum(c[0] for c in counts), sum(c[1] for c in counts),
                     sum(c[0] > 0 for c in counts), sum(c[1] > 0 for c in counts), [p.sections for p in preds]))
    model.legal_decoding = True
    changed = sum(a != b for a, b in zip(rows[0][5], rows[1][5]))
    print(f"model on {len(docs)} corpus reports ({sum(len(d.sentences) for d in docs)} sentences)")
    print("| decoding | returns to preamble | switches back | reports returning to preamble | reports switching back |")
    print("|---|---|---|---|---|")
    for name, tp, back, rp, rb, _ in rows:
        print(f"| {name} | {tp} | {back} | {rp} | {rb} |")
    print(f"reports whose sections differ between the two: {changed}")


if __name__ == "__main__":
    main()
