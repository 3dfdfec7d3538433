"""Output sentences that are bare table cells, before and after :mod:`xxgk.tablecells` (issue 10, item 3).

``report-format.md`` sections 2.1 and 5: table cells (numbers, row labels,
column headers, captions) belong to their table and are not sentences. This
script counts, in one run, the sentences the pipeline would emit without the
recogniser ("before": every paragraph split into sentences, as
:func:`xxgk.pipeline.prepare` did) and with it ("after": ``prepare`` as it is),
on three sets:

``corpus``
    every file under ``../shared/corpus`` (sub-folders included) as
    :func:`xxgk.read` reads it. A cell here is a sentence whose paragraph the
    recogniser marks, or (a check that does not use the recogniser) a
    sentence that is a bare number or dash.
``unrecognised``
    the same files with every table the readers found laid back into plain
    paragraphs, as a reader that recognises no table would leave them (a PDF
    without rulings, a page of ``<div>`` cells): one cell per line, one row per
    line with cells apart by spaces, and one row per line between pipes. The
    cells are known (they are the table's own cells), so a cell sentence is
    one that comes from one of those paragraphs. Tables of the old (pre-2019)
    统计表, whose labels the spec does not name, are counted apart.
``layouts``
    the layout fuzzer's small reports (:func:`xxgk.evaluate.layouts.render`:
    each gold file's tables in every text layout) read as text, where the
    table finder runs first; a cell sentence is one that is not the
    report's narrative, headings or intro.

Run from the repository root::

    python benchmarks/table_cells.py [--corpus ../shared/corpus] [--gold ../shared/gold]
"""

from __future__ import annotations

import argparse
import json
import re
import warnings
from collections import Counter
from pathlib import Path

from xxgk.document import Document, Paragraph, Table
from xxgk.errors import XxgkError
from xxgk.evaluate.layouts import INTRO, LAYOUTS, OUTRO, Options, render, table_grids
from xxgk.normalize import match_key, normalize
from xxgk.pipeline import Prepared, prepare
from xxgk.reading import read, read_bytes
from xxgk.sentences import split_sentences
from xxgk.spec import OLD_TABLE_MARKERS

_BARE = re.compile(r"^[+\-−－]?[\d,，.]+%?$|^[/／\-—–－]+$")
SHAPES = ("cell-per-line", "row-spaces", "row-pipes")


def _before(p: Prepared) -> list[int]:
    """Paragraph of each sentence the pipeline emitted without the recogniser."""
    return [s.paragraph for s in split_sentences(p.norm.text)]


def corpus_counts(files: list[Path]) -> dict[str, int]:
    c: Counter[str] = Counter()
    for f in files:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                p = prepare(read(f))
        except XxgkError:
            c["files_failed"] += 1
            continue
        c["files"] += 1
        before = split_sentences(p.norm.text)
        c["before_sentences"] += len(before)
        c["before_cells"] += sum(s.paragraph in p.table_lines for s in before)
        c["before_bare_numbers"] += sum(bool(_BARE.match(match_key(s.text))) for s in before)
        c["after_sentences"] += len(p.sentences)
        c["after_cells"] += sum(s.paragraph in p.table_lines for s in p.sentences)
        c["after_bare_numbers"] += sum(bool(_BARE.match(match_key(s.text))) for s in p.sentences)
    return dict(c)


def _table_paragraphs(t: Table, shape: str) -> list[str]:
    if not t.cells:
        return [t.text] if t.text.strip() else []
    if shape == "cell-per-line":
        return [c.text for c in sorted(t.cells, key=lambda c: (c.row, c.col)) if c.text.strip()]
    rows: dict[int, list[str]] = {}
    for c in sorted(t.cells, key=lambda c: (c.row, c.col)):
        if c.text.strip():
            rows.setdefault(c.row, []).append(c.text.strip())
    sep = "  " if shape == "row-spaces" else " | "
    return [("| " + sep.join(r) + " |") if shape == "row-pipes" else sep.join(r) for r in rows.values()]


def _old_table(t: Table) -> bool:
    text = match_key(" ".join(c.text for c in t.cells) or t.text)
    return any(m in text for m in OLD_TABLE_MARKERS)


def unrecognised_counts(files: list[Path]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for shape in SHAPES:
        c: Counter[str] = Counter()
        for f in files:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    doc = read(f)
            except XxgkError:
                continue
            if not doc.tables:
                continue
            blocks = []
            kind_of: dict[int, str] = {}
            for b in doc.blocks:
                if isinstance(b, Table):
                    kind = "old" if _old_table(b) else "template"
                    for text in _table_paragraphs(b, shape):
                        kind_of[len(blocks)] = kind
                        blocks.append(Paragraph(text=text, provenance=b.provenance))
                else:
                    blocks.append(b)
            p = prepare(Document(meta=doc.meta, blocks=blocks))
            c["files"] += 1
            for which, paras in (("before", _before(p)), ("after", [s.paragraph for s in p.sentences])):
                c[f"{which}_sentences"] += len(paras)
                for para in paras:
                    if para in kind_of:
                        c[f"{which}_cells_{kind_of[para]}"] += 1
            c["cell_paragraphs_template"] += sum(k == "template" for k in kind_of.values())
            c["cell_paragraphs_old"] += sum(k == "old" for k in kind_of.values())
        out[shape] = dict(c)
    return out


def layout_counts(gold: Path) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    golds = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(gold.glob("*.json"))]
    golds = [g for g in golds if g.get("tables")]
    for layout in LAYOUTS:
        c: Counter[str] = Counter()
        for g in golds:
            for opts in (Options(), Options(wrapped=True), Options(blank_lines=True), Options(cut_rows=3)):
                text = render(g["tables"], layout, opts)
                heads = [h for _n, h, _g in table_grids(g["tables"])]
                narrative = {match_key(s.text) for s in split_sentences(normalize("\n".join([*INTRO, *heads, *OUTRO])).text)}
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    p = prepare(read_bytes(text.encode("utf-8"), "layout.txt", format="text"))
                lines = p.norm.text.split("\n")
                before = [s.text for s in split_sentences(p.norm.text)]
                after = p.texts
                c["reports"] += 1
                for which, texts in (("before", before), ("after", after)):
                    c[f"{which}_sentences"] += len(texts)
                    c[f"{which}_cells"] += sum(match_key(t) not in narrative for t in texts)
                del lines
        out[layout] = dict(c)
    return out


def _share(n: int, d: int) -> str:
    return f"{n} ({n / d:.1%})" if d else str(n)


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(here.parent / "shared" / "corpus"))
    ap.add_argument("--gold", default=str(here.parent / "shared" / "gold"))
    ap.add_argument("--json", help="also write the counts as JSON to this file")
    args = ap.parse_args()
    files = sorted(p for p in Path(args.corpus).rglob("*") if p.is_file() and p.suffix.lower() != ".tsv")

    corpus = corpus_counts(files)
    print(f"corpus: {corpus.get('files', 0)} files read ({corpus.get('files_failed', 0)} refused)")
    print("| set | sentences before | cells before | sentences after | cells after |")
    print("|---|---|---|---|---|")
    print(f"| corpus (recogniser) | {corpus['before_sentences']} | {_share(corpus['before_cells'], corpus['before_sentences'])}"
          f" | {corpus['after_sentences']} | {_share(corpus['after_cells'], corpus['after_sentences'])} |")
    print(f"| corpus (bare numbers) | {corpus['before_sentences']} | "
          f"{_share(corpus['before_bare_numbers'], corpus['before_sentences'])} | {corpus['after_sentences']} | "
          f"{_share(corpus['after_bare_numbers'], corpus['after_sentences'])} |")
    unrec = unrecognised_counts(files)
    for shape, c in unrec.items():
        for kind in ("template", "old"):
            b, a = c.get(f"before_cells_{kind}", 0), c.get(f"after_cells_{kind}", 0)
            print(f"| unrecognised {shape}, {kind} tables ({c.get(f'cell_paragraphs_{kind}', 0)} cell lines) | "
                  f"{c.get('before_sentences', 0)} | {_share(b, c.get('before_sentences', 0))} | "
                  f"{c.get('after_sentences', 0)} | {_share(a, c.get('after_sentences', 0))} |")
    lay = layout_counts(Path(args.gold))
    for layout, c in lay.items():
        print(f"| layouts {layout} ({c['reports']} reports) | {c['before_sentences']} | "
              f"{_share(c['before_cells'], c['before_sentences'])} | {c['after_sentences']} | "
              f"{_share(c['after_cells'], c['after_sentences'])} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"corpus": corpus, "unrecognised": unrec, "layouts": lay}, indent=1))


if __name__ == "__main__":
    main()
