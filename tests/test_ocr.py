"""OCR of scanned reports (xxgk.ocr): synthetic scans of real corpus pages, scored against their text layer.

The scans are made here, at test time, from the corpus PDFs (rendered with
pypdfium2, then degraded: resolution, skew, noise, JPEG, a red stamp, a
quarter turn) and wrapped as image-only PDFs or image files in tmp dirs.
The OCR tests need the optional extra (``pip install 'xxgk[ocr]'``, which
``make test`` installs) and skip without it; the tests of the no-extra path
simulate the engine's import failing. Larger runs are in benchmarks/ocr.py.
"""

from __future__ import annotations

import importlib.util
import io
import json
import sys
import unicodedata

import pytest

from xxgk.document import Document
from xxgk.errors import OCRNotInstalledError, ScannedPDFError
from xxgk.readers import detect_format
from xxgk.reading import read

HAVE_OCR = all(importlib.util.find_spec(m) is not None for m in ("rapidocr", "onnxruntime", "cv2"))
needs_ocr = pytest.mark.skipif(not HAVE_OCR, reason="needs the OCR extra: pip install 'xxgk[ocr]' (make test installs it)")

PDF_001 = "001_huaian_hongze_2023.pdf"


def _page_images(corpus_dir, pages, dpi=300):
    from xxgk.ocr.synth import render_pdf

    return render_pdf((corpus_dir / PDF_001).read_bytes(), dpi=dpi, pages=pages)


def _text_layer(corpus_dir, pages) -> Document:
    """The text-layer reading of the same pages (a PDF of just those pages)."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument((corpus_dir / PDF_001).read_bytes())
    out = pdfium.PdfDocument.new()
    out.import_pages(src, pages)
    buf = io.BytesIO()
    out.save(buf)
    return read(buf.getvalue(), name="ref.pdf", ocr="never")


def _narrative(doc: Document) -> str:
    return "".join(unicodedata.normalize("NFKC", "".join(p.text for p in doc.paragraphs)).split())


def _char_accuracy(ref: str, hyp: str) -> float:
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1] / "benchmarks"))
    from ocr import edit_distance

    return 1 - edit_distance(ref, hyp) / max(len(ref), 1)


# --- without the extra ---------------------------------------------------------------------


@pytest.fixture
def no_engine(monkeypatch):
    """The OCR packages cannot be imported (as on a core install)."""
    from xxgk.ocr import engine

    monkeypatch.setattr(engine, "_CACHE", {})
    monkeypatch.setitem(sys.modules, "rapidocr", None)  # import rapidocr -> ImportError
    monkeypatch.setitem(sys.modules, "onnxruntime", None)


def test_without_the_extra_a_scan_names_pip_install(no_engine, repo_dir):
    path = repo_dir / "tests" / "fixtures" / "pdf" / "scanned_image_only.pdf"
    with pytest.raises(OCRNotInstalledError, match=r"scanned_image_only\.pdf: .*pip install 'xxgk\[ocr\]'") as err:
        read(path)  # ocr="auto" by default
    assert isinstance(err.value, ScannedPDFError)  # code catching today's error still catches it


def test_without_the_extra_an_image_names_pip_install(no_engine, tmp_path):
    from PIL import Image

    png = tmp_path / "page.png"
    Image.new("RGB", (200, 280), "white").save(png)
    with pytest.raises(OCRNotInstalledError, match=r"page\.png: .*pip install 'xxgk\[ocr\]'"):
        read(png)


def test_without_the_extra_text_layer_pdfs_read_as_before(no_engine, corpus_dir):
    doc = read(corpus_dir / PDF_001)
    assert doc.meta.ocr is None and len(doc.tables) == 3


def test_ocr_never_keeps_the_typed_error(repo_dir):
    path = repo_dir / "tests" / "fixtures" / "pdf" / "scanned_image_only.pdf"
    with pytest.raises(ScannedPDFError, match="no text layer") as err:
        read(path, ocr="never")
    assert not isinstance(err.value, OCRNotInstalledError)


def test_bad_ocr_parameter():
    with pytest.raises(ValueError, match="The 'ocr' parameter of read must be one of"):
        read("一、总体情况\n本年度。", ocr="sometimes")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF"])
def test_images_are_detected(fmt):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buf, fmt)
    assert detect_format(buf.getvalue(), "x") == "image"


# --- the arithmetic settles uncertain digits (no engine needed) -------------------------------


def _with_doubt(corpus_dir, value_text: str, read_as: str):
    """The text-layer 001 with one applications cell's digit hidden as OCR would, and OCR's reading recorded."""
    doc = read(corpus_dir / PDF_001, ocr="never")
    table = doc.tables[1]  # applications (依申请)
    cell = next(c for c in table.cells if c.text == value_text)
    hidden = "".join("?" if i == 0 else ch for i, ch in enumerate(cell.text))
    doc.meta.ocr = {"engine": "test", "uncertain": [{"page": cell.provenance.page, "table": table.index, "row": cell.row,
                                                     "col": cell.col, "read": read_as, "text": hidden, "scores": [0.5]}]}
    cell.text = hidden
    return doc


def _app_cell(tables, findings, raw_hidden):
    t = tables["applications"]
    hits = [(r, c, v) for r, c, v in t.cells() if v.raw == raw_hidden]
    assert len(hits) == 1
    r, c, v = hits[0]
    f = [f for f in findings if f.kind == "ocr_uncertain"]
    assert len(f) == 1 and f[0].cells == [f"{r}.{c}"]
    assert not [x for x in findings if x.kind == "unreadable" and f"{r}.{c}" in x.cells]
    return v, f[0]


def test_arithmetic_confirms_an_uncertain_digit(corpus_dir):
    from xxgk.api import extract_tables

    doc = _with_doubt(corpus_dir, "21", read_as="21")  # 21 new requests: in A1 and A3
    tables, checks, findings = extract_tables(doc)
    v, f = _app_cell(tables, findings, "?1")
    assert v.value == 21 and v.status == "recovered" and "confirmed" in f.message


def test_arithmetic_corrects_a_misread_digit(corpus_dir):
    from xxgk.api import extract_tables

    doc = _with_doubt(corpus_dir, "21", read_as="81")  # OCR misread 2 as 8, unsure
    tables, checks, findings = extract_tables(doc)
    v, f = _app_cell(tables, findings, "?1")
    assert v.value == 21 and "corrected to 21" in f.message
    assert not [c for c in checks if c.status == "fail" and c.rule in ("A1", "A3") and "new_requests.total" in c.cells]


def test_an_uncertain_digit_no_rule_settles_stays_empty():
    from xxgk.api import extract_tables
    from xxgk.document import Cell, Paragraph, Table

    # a 2021 active-disclosure table: no sum rule involves its cells, so nothing can confirm the digit
    rows = [["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "0", "0", "1?"], ["行政规范性文件", "3", "1", "20"]]
    cells = [Cell(text=t, row=r, col=c) for r, row in enumerate(rows) for c, t in enumerate(row)]
    doc = Document(blocks=[Paragraph("二、主动公开政府信息情况"), Table(cells=cells)])
    doc.meta.ocr = {"uncertain": [{"page": None, "table": 0, "row": 1, "col": 3, "read": "12", "text": "1?", "scores": [0.4]}]}
    for c in doc.tables[0].cells:
        c.provenance = type(c.provenance)(table=0, row=c.row, col=c.col)
    tables, _, findings = extract_tables(doc)
    vals = [v for _, _, v in tables["active_disclosure"].cells() if v.raw == "1?"]
    assert vals and vals[0].value is None
    assert [f for f in findings if f.kind == "ocr_uncertain" and "left empty" in f.message]


# --- OCR on synthetic scans of real pages ----------------------------------------------------


@needs_ocr
@pytest.mark.ocr
def test_a_turned_skewed_stamped_scan_reads_like_its_text_layer(corpus_dir, tmp_path):
    from xxgk.ocr.synth import Degradation, degrade, images_to_pdf

    how = Degradation(dpi=200, skew=1.5, noise=8, jpeg=70, stamp=True, turn=90)
    scan = degrade(_page_images(corpus_dir, [0])[0], how, seed=1)
    path = tmp_path / "scan.pdf"
    path.write_bytes(images_to_pdf([scan], how.dpi))
    doc = read(path)
    ref = _text_layer(corpus_dir, [0])
    info = doc.meta.ocr
    assert info["engine"] == "rapidocr" and info["version"] and info["pages"][0]["reason"] == "no text layer"
    assert info["pages"][0]["rotation"] == 270  # turned 90 clockwise: turned back 270
    assert abs(info["pages"][0]["skew"]) > 0.5
    acc = _char_accuracy(_narrative(ref), _narrative(doc))
    assert acc >= 0.95, acc
    # the two-line centred title may come out as two paragraphs (OCR line heights differ from font sizes)
    assert "".join(p.text for p in doc.paragraphs[:2]).endswith("2023年政府信息公开工作年度报告")
    for p in doc.paragraphs:
        assert p.provenance.page == 1 and p.provenance.bbox is not None and 0 < p.provenance.ocr_confidence <= 1
    assert doc.meta.year == 2023
    json.loads(doc.to_json())  # serialises, OCR metadata included


@needs_ocr
@pytest.mark.ocr
def test_a_scanned_table_gives_the_same_numbers_or_flags_them(corpus_dir, tmp_path):
    from xxgk.api import extract_tables
    from xxgk.ocr.synth import Degradation, degrade, images_to_pdf

    how = Degradation(dpi=200, skew=-0.8, noise=6, jpeg=70)
    scans = [degrade(im, how, seed=2) for im in _page_images(corpus_dir, [2])]  # the applications table
    doc = read(images_to_pdf(scans, how.dpi), name="table-scan.pdf")
    ref_tables, _, _ = extract_tables(_text_layer(corpus_dir, [2]))
    tables, checks, findings = extract_tables(doc)
    flagged = {c for f in findings if f.kind in ("ocr_uncertain", "unreadable") for c in f.cells}
    failing = {c for ch in checks if ch.status == "fail" for c in ch.cells}
    ref = ref_tables["applications"]
    got = tables["applications"]
    assert got.template == ref.template
    n = same = 0
    for r, c, v in ref.cells():
        if v.value is None:
            continue
        n += 1
        o = got.rows.get(r, {}).get(c)
        if o is not None and o.value == v.value:
            same += 1
        elif o is not None and o.value is not None:  # a wrong number must not pass unflagged
            assert f"{r}.{c}" in failing, (r, c, v.value, o.value)
        else:
            assert o is None or f"{r}.{c}" in flagged or o.status in ("blank", "dash", "none")
    assert n >= 30 and same / n >= 0.97, (same, n)
    cell = got.rows["new_requests"]["natural_person"]
    assert cell.provenance.page == 1 and cell.provenance.ocr_confidence is not None


@needs_ocr
@pytest.mark.ocr
def test_images_and_a_multipage_tiff(corpus_dir, tmp_path):
    from xxgk.ocr.synth import Degradation, degrade

    pages = _page_images(corpus_dir, [4, 0], dpi=200)  # the short last page, then the first
    how = Degradation(dpi=200, skew=0.7, noise=5)
    imgs = [degrade(im, how, seed=3, render_dpi=200) for im in pages]
    tiff = tmp_path / "scan.tiff"
    imgs[0].save(tiff, save_all=True, append_images=imgs[1:], dpi=(200, 200))
    jpg = tmp_path / "scan.jpg"
    imgs[0].save(jpg, quality=75, dpi=(200, 200))
    doc = read(tiff)
    assert doc.meta.format == "image" and doc.meta.pages == 2
    assert {p.provenance.page for p in doc.paragraphs} == {1, 2}
    assert any("其他需要报告的事项" in p.text for p in doc.paragraphs if p.provenance.page == 1)
    one = read(jpg)
    assert one.meta.pages == 1 and one.meta.ocr["pages"][0]["reason"] == "image"
    with pytest.raises(ScannedPDFError, match="image"):
        read(jpg, ocr="never")


@needs_ocr
@pytest.mark.ocr
def test_a_garbled_text_layer_is_ocrd(corpus_dir, tmp_path):
    pytest.importorskip("reportlab")
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = _page_images(corpus_dir, [4], dpi=200)[0]
    truth = _text_layer(corpus_dir, [4])
    buf = io.BytesIO()
    cv = canvas.Canvas(buf, pagesize=(595, 842))
    cv.drawImage(ImageReader(img), 0, 0, 595, 842)
    t = cv.beginText(60, 700)
    t.setTextRenderMode(3)  # an invisible text layer, as a bad OCR tool leaves it: mojibake
    t.setFont("Helvetica", 10)
    for p in truth.paragraphs:
        t.textLine(p.text.encode("utf-8").decode("latin-1"))
    cv.drawText(t)
    cv.save()
    with pytest.raises(Exception, match="garbled"):
        read(buf.getvalue(), name="garbled.pdf", ocr="never")
    doc = read(buf.getvalue(), name="garbled.pdf")
    assert doc.meta.ocr["pages"][0]["reason"] == "garbled text layer"
    assert _char_accuracy(_narrative(truth), _narrative(doc)) >= 0.95


@needs_ocr
@pytest.mark.ocr
def test_tag_over_a_folder_mixing_text_pdfs_scans_and_images(corpus_dir, tmp_path):
    import xxgk
    from xxgk.cli import main
    from xxgk.ocr.synth import Degradation, degrade, images_to_pdf

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "text.pdf").write_bytes((corpus_dir / PDF_001).read_bytes())
    how = Degradation(dpi=150, skew=1.0, noise=5, jpeg=70)
    page = degrade(_page_images(corpus_dir, [4])[0], how, seed=4)
    (folder / "scan.pdf").write_bytes(images_to_pdf([page], how.dpi))
    page.save(folder / "photo.png", dpi=(150, 150))
    page.save(folder / "fax.tiff", dpi=(150, 150), compression="tiff_deflate")
    out = tmp_path / "out"
    assert main(["tag", str(folder), "--out", str(out), "--system", "rules", "--format", "jsonl", "--no-progress"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["ocr"]["mode"] == "auto" and manifest["ocr"]["engine"].startswith("auto:rapidocr-")
    files = manifest["ocr"]["files"]
    assert sorted(p.rsplit("/", 1)[-1] for p in files) == ["fax.tiff", "photo.png", "scan.pdf"]
    assert all(f["engine"] == "rapidocr" and f["version"] and f["pages"] == [1] for f in files.values())
    loaded = xxgk.load(out)
    assert len(set(loaded.documents["doc_id"])) == 4
    # the scans were read: their sentences are tagged like the text layer's
    assert loaded.sentences.groupby("doc_id").size().min() >= 3


def test_cli_read_names_the_extra_and_never_keeps_todays_error(no_engine, repo_dir, capsys):
    from xxgk.cli import main

    path = str(repo_dir / "tests" / "fixtures" / "pdf" / "scanned_image_only.pdf")
    assert main(["read", path]) == 1
    assert "pip install 'xxgk[ocr]'" in capsys.readouterr().err
    assert main(["read", "--ocr", "never", path]) == 1
    err = capsys.readouterr().err
    assert "scanned_image_only.pdf: The PDF has no text layer" in err


@needs_ocr
@pytest.mark.ocr
def test_auto_ocrs_only_the_pages_without_a_text_layer(corpus_dir):
    import pypdfium2 as pdfium

    from xxgk.ocr.synth import Degradation, degrade, images_to_pdf

    how = Degradation(dpi=200, skew=-1.0, noise=5, jpeg=75)
    scan = pdfium.PdfDocument(images_to_pdf([degrade(_page_images(corpus_dir, [4])[0], how, seed=5)], how.dpi))
    mixed = pdfium.PdfDocument.new()
    mixed.import_pages(pdfium.PdfDocument((corpus_dir / PDF_001).read_bytes()), [0])  # a text page
    mixed.import_pages(scan)  # then a scanned one
    buf = io.BytesIO()
    mixed.save(buf)
    doc = read(buf.getvalue(), name="mixed.pdf")
    assert [(p["page"], p["reason"]) for p in doc.meta.ocr["pages"]] == [(2, "no text layer")]
    text_page = [p for p in doc.paragraphs if p.provenance.page == 1]
    scanned = [p for p in doc.paragraphs if p.provenance.page == 2]
    assert text_page and all(p.provenance.ocr_confidence is None for p in text_page)
    assert scanned and all(p.provenance.ocr_confidence is not None for p in scanned)
    assert any("其他需要报告的事项" in p.text for p in scanned)


def test_the_core_install_does_not_grow(repo_dir):
    """The OCR packages are only in the extra, and reading a text-layer PDF never imports them."""
    import subprocess
    import tomllib

    project = tomllib.loads((repo_dir / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = " ".join(project["dependencies"]).lower()
    ocr = " ".join(project["optional-dependencies"]["ocr"]).lower()
    for pkg in ("rapidocr", "onnxruntime", "opencv"):
        assert pkg not in core and pkg in ocr
    code = ("import sys, xxgk; xxgk.read(sys.argv[1]); "
            "print(sorted(m for m in ('rapidocr', 'onnxruntime', 'cv2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(repo_dir / "tests" / "fixtures" / "pdf" / "wrapped_paragraphs.pdf")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@needs_ocr
@pytest.mark.parametrize("model", ["painted", "multiplied"])
def test_a_red_stamp_is_whitened_and_the_text_under_it_stays_dark(model):
    import numpy as np

    from xxgk.ocr.image import drop_red

    page = np.full((120, 200, 3), 255, dtype=np.uint8)
    page[40:80, 20:180:8] = 0  # black strokes: text
    stamp = np.zeros((120, 200), dtype=bool)
    stamp[20:100, 60:140] = True  # the stamp covers the middle of the text
    red = np.array([220, 30, 30], dtype=np.float32)
    out = page.astype(np.float32)
    if model == "painted":  # opaque ink at 78%: the way the synthetic scans draw it
        out[stamp] = 0.78 * red + 0.22 * out[stamp]
    else:  # ink that filters the light: paper x ink
        out[stamp] = out[stamp] * red / 255
    clean = drop_red(out.astype(np.uint8)).min(axis=2)
    under = stamp & (page.min(axis=2) == 0)
    paper = stamp & (page.min(axis=2) == 255)
    assert clean[paper].min() >= 200  # the stamp is gone
    assert clean[under].max() <= 100  # the text under it is still there
    assert (clean[~stamp] == page.min(axis=2)[~stamp]).all()  # the rest is untouched


def test_ocr_digits_side_by_side_are_not_taken_for_overprinting():
    """Two narrow equal digits OCR read ("311082") stay two: only a text layer overprints glyphs (fake bold)."""
    from xxgk.ocr.page import OCRChar
    from xxgk.readers._pdf_layout import Char, _make_line

    xs = [0.0, 3.6, 7.2, 10.4, 13.6, 17.0]
    ocr = [OCRChar(d, x, 0.0, x + 3.2, 11.0, 11.0, "ocr", 1.0) for d, x in zip("311082", xs)]
    line = _make_line(ocr, 1)
    assert line is not None and line.text == "311082"
    printed = [Char(d, x, 0.0, x + 3.2, 11.0, 11.0, "SimSun") for d, x in zip("3311", [0.0, 0.5, 3.6, 4.1])]
    line = _make_line(printed, 1)
    assert line is not None and line.text == "31"  # a text layer's doubled glyphs are still dropped
