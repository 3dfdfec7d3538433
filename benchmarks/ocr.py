"""OCR speed and accuracy on synthetic scans of the corpus reports.

Each corpus PDF, and each HTML report drawn as a PDF (xxgk.ocr.synth.document_to_pdf),
is rendered at 300 dpi, degraded page by page (150-300 dpi, ±2° skew, noise,
JPEG compression, red stamp circles, one page turned 90°: xxgk.ocr.synth.DEGRADATIONS)
and wrapped as an image-only PDF. xxgk reads the scan with OCR and the
original's text layer without, and this script prints, per report and overall:

- pages/s of the OCR read (whole pipeline: render, orient, deskew, OCR, layout);
- character accuracy of the narrative text (1 - edit distance / reference length,
  paragraphs in order, white space removed; also after NFKC, which folds
  full-/half-width punctuation, as xxgk's normaliser does);
- table cells: of the reference's numbers, how many OCR recovered exactly,
  left empty (flagged: ocr_uncertain/unreadable), or got wrong; and of the
  wrong ones, how many a failing consistency check flags;
- section accuracy and tag macro-F1 against the gold files, for the text
  layer and the scan (system: --system, default rules).

Not a test: figures, not assertions. Usage:
    python benchmarks/ocr.py [--reports 001,003] [--max-pages N] [--system rules|model] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import unicodedata
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPUS = ROOT.parent / "shared" / "corpus"
GOLD = ROOT.parent / "shared" / "gold"
# corpus file -> gold file (the corpus reports with a layout to scan: PDFs and HTML tables)
REPORTS = {
    "001_huaian_hongze_2023.pdf": "huaian-hongze-2023.json",
    "002_huaian_city_2024.pdf": "huaian-city-2024.json",
    "003_shanghai_office_2019.html": "shanghai-office-2019.json",
    "025_pingtan_2021.html": "pingtan-2021-html.json",
}


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one numpy row per character of ``a``."""
    if not a:
        return len(b)
    if not b:
        return len(a)
    bb = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    idx = np.arange(len(b) + 1)
    prev = idx.copy()
    for i, ch in enumerate(a, start=1):
        cost = (bb != ord(ch)).astype(np.int64)
        row = np.empty_like(prev)
        row[0] = i
        row[1:] = np.minimum(prev[1:] + 1, prev[:-1] + cost)
        row = np.minimum.accumulate(row - idx) + idx  # insertions
        prev = row
    return int(prev[-1])


def narrative(doc, nfkc: bool = False) -> str:
    text = "".join(p.text for p in doc.paragraphs)
    if nfkc:
        text = unicodedata.normalize("NFKC", text)
    return "".join(text.split())


def char_accuracy(ref: str, hyp: str) -> float:
    return 1.0 - edit_distance(ref, hyp) / max(len(ref), 1)


def table_cells(ref_doc, ocr_doc) -> dict:
    from xxgk.api import extract_tables

    rt, _, _ = extract_tables(ref_doc)
    ot, checks, findings = extract_tables(ocr_doc)
    failing = {(c.table, cell) for c in checks if c.status == "fail" for cell in c.cells}
    flagged_find = {(f.table, cell) for f in findings if f.kind in ("ocr_uncertain", "unreadable", "ambiguous") for cell in f.cells}
    out = {"numbers": 0, "recovered": 0, "empty_flagged": 0, "empty_unflagged": 0, "wrong": 0,
           "wrong_flagged_by_check": 0, "wrong_unflagged": 0, "confirmed_by_arithmetic": 0, "wrong_cells": [],
           "lost_cells": []}
    for name, table in rt.items():
        for r, c, v in table.cells():
            if v.value is None:
                continue
            out["numbers"] += 1
            got = ot.get(name)
            ov = got.rows.get(r, {}).get(c) if got else None
            if ov is not None and ov.value is not None and abs(float(ov.value) - float(v.value)) < 1e-9:
                out["recovered"] += 1
                out["confirmed_by_arithmetic"] += ov.status == "recovered"
            elif ov is None or ov.value is None:
                key = "empty_flagged" if (name, f"{r}.{c}") in flagged_find or ov is None else "empty_unflagged"
                out[key] += 1
                out["lost_cells"].append(f"{name} {r}.{c}: {v.value} {_where(v.provenance)} -> "
                                         + ("no cell" if ov is None else f"read {ov.raw!r} {_where(ov.provenance)}"))
            else:
                out["wrong"] += 1
                if (name, f"{r}.{c}") in failing:
                    out["wrong_flagged_by_check"] += 1
                else:
                    out["wrong_unflagged"] += 1
                out["wrong_cells"].append(f"{name} {r}.{c}: {v.value} read {ov.value} ({ov.raw!r})")
    return out


def _where(p) -> str:
    """A cell's provenance, short: page, table index, grid row and column."""
    if p is None:
        return "(?)"
    conf = "" if p.ocr_confidence is None else f" conf {p.ocr_confidence:.2f}"
    return f"(p{p.page} t{p.table} r{p.row} c{p.col}{conf})"


def gold_scores(doc, gold_path: Path, system) -> dict:
    from xxgk.align import align_sentences
    from xxgk.evaluate.metrics import section_scores, tag_scores
    from xxgk.gold import load_gold
    from xxgk.pipeline import prepare

    gold = load_gold(gold_path, GOLD.parent, check_source=False)
    prepared = prepare(doc)
    pred = system.predict([prepared])[0]
    al = align_sentences(prepared.texts, [s.text for s in gold.sentences])
    psec = [None if j is None else pred.sections[j] for j in al.gold_to_pred]
    ptag = [None if j is None else pred.tags[j] for j in al.gold_to_pred]
    sec = section_scores([s.section for s in gold.sentences], psec)
    tag = tag_scores([s.tag for s in gold.sentences], ptag)
    return {"section_accuracy": sec["accuracy"], "tag_macro_f1": tag["macro_f1"], "coverage": al.coverage}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", default="", help="Comma-separated corpus file prefixes (default: all four).")
    ap.add_argument("--max-pages", type=int, default=0, help="Scan at most this many pages of each report (0: all).")
    ap.add_argument("--system", default="rules", help="System for sections and tags (default: rules).")
    ap.add_argument("--json", metavar="FILE", help="Also write the figures as JSON.")
    args = ap.parse_args()

    from xxgk.ocr.synth import DEGRADATIONS, degrade, document_to_pdf, images_to_pdf, render_pdf
    from xxgk.pipeline import get_system
    from xxgk.reading import read

    warnings.simplefilter("ignore")
    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS}", file=sys.stderr)
        return 1
    wanted = [p for p in args.reports.split(",") if p]
    system = get_system(args.system)
    rows = []
    total_pages = 0
    total_s = 0.0
    total_cpu = 0.0
    for k, (name, gold_name) in enumerate(REPORTS.items()):
        if wanted and not any(name.startswith(w) for w in wanted):
            continue
        src = CORPUS / name
        if src.suffix == ".pdf":
            ref_pdf = src.read_bytes()
        else:
            ref_pdf = document_to_pdf(read(src))
        pages = None
        ref_doc = read(ref_pdf, name=name, ocr="never")
        n = ref_doc.meta.pages or 0
        if args.max_pages and n > args.max_pages:
            pages = list(range(args.max_pages))
            ref_pdf = _subset(ref_pdf, pages)
            ref_doc = read(ref_pdf, name=name, ocr="never")
        images = render_pdf(ref_pdf, dpi=300)
        hows = [DEGRADATIONS[(k + i) % len(DEGRADATIONS)] for i in range(len(images))]
        scans = [degrade(im, h, seed=100 * k + i) for i, (im, h) in enumerate(zip(images, hows))]
        scan_pdf = images_to_pdf(scans, [h.dpi for h in hows])
        t0, c0 = time.perf_counter(), time.process_time()
        ocr_doc = read(scan_pdf, name=f"scan:{name}", ocr="auto")
        secs = time.perf_counter() - t0
        cpu = time.process_time() - c0  # all threads of this process
        total_cpu += cpu
        total_pages += len(images)
        total_s += secs
        row = {
            "report": name, "pages": len(images), "seconds": round(secs, 1), "pages_per_s": round(len(images) / secs, 3),
            "cpu_s_per_page": round(cpu / len(images), 1),
            "turns": [p["rotation"] for p in ocr_doc.meta.ocr["pages"]],
            "skews": [p["skew"] for p in ocr_doc.meta.ocr["pages"]],
            "applied": [(h.turn, h.skew) for h in hows],
            "char_accuracy": round(char_accuracy(narrative(ref_doc), narrative(ocr_doc)), 4),
            "char_accuracy_nfkc": round(char_accuracy(narrative(ref_doc, True), narrative(ocr_doc, True)), 4),
            "tables": table_cells(ref_doc, ocr_doc),
        }
        gold = GOLD / gold_name
        if gold.exists() and pages is None:
            row["gold_text_layer"] = gold_scores(ref_doc, gold, system)
            row["gold_ocr"] = gold_scores(ocr_doc, gold, system)
        rows.append(row)
        t = row["tables"]
        print(f"{name}: {row['pages']} pages in {row['seconds']} s ({row['pages_per_s']} pages/s, "
              f"{row['cpu_s_per_page']} CPU-s a page); "
              f"char accuracy {row['char_accuracy']:.4f} (NFKC {row['char_accuracy_nfkc']:.4f}); "
              f"cells {t['recovered']}/{t['numbers']} recovered, {t['empty_flagged']} flagged empty, "
              f"{t['empty_unflagged']} empty unflagged, {t['wrong']} wrong ({t['wrong_unflagged']} unflagged)", flush=True)
        for w in t["wrong_cells"]:
            print(f"    wrong: {w}")
        for w in t["lost_cells"]:
            print(f"    lost: {w}")
        if "gold_ocr" in row:
            g0, g1 = row["gold_text_layer"], row["gold_ocr"]
            print(f"    sections {g0['section_accuracy']:.3f} -> {g1['section_accuracy']:.3f}; "
                  f"tag macro-F1 {g0['tag_macro_f1']:.3f} -> {g1['tag_macro_f1']:.3f} (text layer -> scan)")
    if not rows:
        return 1
    agg = {k: sum(r["tables"][k] for r in rows) for k in ("numbers", "recovered", "empty_flagged", "empty_unflagged",
                                                           "wrong", "wrong_unflagged", "confirmed_by_arithmetic")}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nOVERALL: {total_pages} pages in {total_s:.1f} s = {total_pages / total_s:.3f} pages/s wall "
          f"on {os.cpu_count()} cores (load average {load:.1f} at the end); {total_cpu / total_pages:.1f} CPU-s a page "
          f"(all threads), i.e. at most {os.cpu_count() / (total_cpu / total_pages):.3f} pages/s with the cores to itself; "
          f"sections/tags: {args.system}")
    print(f"  char accuracy (mean over reports): {np.mean([r['char_accuracy'] for r in rows]):.4f}, "
          f"NFKC {np.mean([r['char_accuracy_nfkc'] for r in rows]):.4f}")
    print(f"  table numbers: {agg['recovered']}/{agg['numbers']} recovered ({agg['recovered'] / max(agg['numbers'], 1):.2%}), "
          f"{agg['empty_flagged']} flagged empty, {agg['empty_unflagged']} empty unflagged, "
          f"{agg['wrong']} wrong of which {agg['wrong_unflagged']} unflagged; "
          f"{agg['confirmed_by_arithmetic']} uncertain digits settled by arithmetic")
    scored = [r for r in rows if "gold_ocr" in r]
    if scored:
        for key in ("section_accuracy", "tag_macro_f1"):
            a = np.mean([r["gold_text_layer"][key] for r in scored])
            b = np.mean([r["gold_ocr"][key] for r in scored])
            print(f"  {key}: text layer {a:.3f}, scan {b:.3f} (diff {b - a:+.3f}; mean over {len(scored)} reports)")
    if args.json:
        Path(args.json).write_text(json.dumps({"reports": rows, "overall": agg, "pages": total_pages,
                                               "seconds": total_s}, ensure_ascii=False, indent=1))
    return 0


def _subset(pdf: bytes, pages: list[int]) -> bytes:
    import io

    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(pdf)
    out = pdfium.PdfDocument.new()
    out.import_pages(src, pages)
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


if __name__ == "__main__":
    raise SystemExit(main())
