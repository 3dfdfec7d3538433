"""xxgk.view without a browser: the page's data, escaping, the index, the CLI and ``tag --html``.

The pages' behaviour in a real browser is in tests/test_view_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import shutil
from pathlib import Path

import pytest

import xxgk
from xxgk.cli import main
from xxgk.evaluate import evaluate, load_gold
from xxgk.view import ReplaySystem, page_data, read_page_summary, render_html, render_index, write_html, write_index

HOSTILE = (
    "2021年政府信息公开工作年度报告\n"
    "一、总体情况\n"
    "2021年，共受理申请6件</script><script>alert(1)</script>。\n"
    "二、主动公开政府信息情况\n"
    "本年发布<img src=x onerror=alert(2)>信息&amp;{{JS}}条\u2028。\n"
    "五、存在的主要问题及改进情况\n"
    "主动公开意识有待增强<!--。\n"
)


def _json_block(page: str, block_id: str) -> dict:
    m = re.search(rf'<script type="application/json" id="{block_id}">(.*?)</script>', page, re.S)
    assert m, block_id
    return json.loads(m.group(1))


def test_untrusted_text_stays_data(tmp_path):
    report = xxgk.analyze(HOSTILE, system="rules")
    page = render_html(report)
    # the only script elements are the page's two JSON blocks and its own script
    assert len(re.findall(r"<script\b", page)) == 3
    assert "alert(1)</script>" not in page and "<img src=x" not in page and "<!--" not in page
    data = _json_block(page, "xxgk-data")
    texts = "".join(s[0] for s in data["sentences"])
    assert "</script><script>alert(1)</script>" in texts
    assert "<img src=x onerror=alert(2)>" in texts and "{{JS}}" in texts
    assert "<!--" in texts


def test_csp_allows_only_the_pages_own_script():
    page = render_html(xxgk.analyze(HOSTILE, system="rules"))
    csp = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1))
    assert "default-src 'none'" in csp
    code = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}';" in csp


def test_sentences_carry_the_source_text_section_tag_and_confidence():
    report = xxgk.analyze("2021年政府信息公開工作年度報告\n一、總體情況\n2021年，共受理申請6件。\n五、存在的主要問題及改進情況\n主動公開意識有待增強。", system="rules")
    data = page_data(report)
    assert [s[0] for s in data["sentences"]] == [report.original_text[s.orig_start:s.orig_end] for s in report.sentences]
    assert "申請" in data["sentences"][2][0]  # the reader's own (traditional) characters
    assert [data["sections"][s[1]] for s in data["sentences"]] == [s.section for s in report.sentences]
    assert [data["tags"][s[2]] for s in data["sentences"]] == [s.tag for s in report.sentences]
    assert [s[3] for s in data["sentences"]] == [s.confidence for s in report.sentences]


def test_grid_has_a_slot_for_every_extracted_cell(corpus_dir):
    report = xxgk.analyze(corpus_dir / "001_huaian_hongze_2023.pdf", system="rules")
    data = page_data(report)
    assert set(data["tables"]) == set(report.tables)
    for name, table in report.tables.items():
        view = data["tables"][name]
        slots = [g["c"] for row in view["grid"] for g in row if "c" in g]
        assert len(slots) == len(set(slots))
        extracted = {f"{r}.{c}" for r, c, _ in table.cells()}
        assert extracted <= set(slots) == set(view["cells"])
        for r, c, v in table.cells():
            value, raw, status, prov = view["cells"][f"{r}.{c}"]
            assert (value, raw, status) == (v.value, v.raw, v.status)
            if v.provenance and v.provenance.page:
                assert prov.startswith(f"p.{v.provenance.page}")
    # the report's own R1 breaks (MANIFEST) are listed with their arithmetic
    broken = [c for c in data["checks"] if c["status"] == "fail"]
    assert broken and all(c["rule"] == "R1" and "=" in c["message"] for c in broken)


def test_index_lists_pages_and_skips_other_html(tmp_path, corpus_dir):
    for name in ("000_hangzhou_emergency_2021.txt", "001_huaian_hongze_2023.pdf"):
        write_html(xxgk.analyze(corpus_dir / name, system="rules"), tmp_path / f"{name}.html")
    (tmp_path / "notes.html").write_text("<html><body>not a report</body></html>", encoding="utf-8")
    out = write_index(tmp_path, errors=[{"path": "x.pdf", "error": "EmptyFileError", "message": "x.pdf: empty"}])
    data = _json_block(out.read_text(encoding="utf-8"), "xxgk-data")
    assert sorted(r["href"] for r in data["rows"]) == ["000_hangzhou_emergency_2021.txt.html",
                                                       "001_huaian_hongze_2023.pdf.html"]
    hongze = next(r for r in data["rows"] if r["href"].startswith("001"))
    assert (hongze["body"], hongze["year"], hongze["template"], hongze["broken"]) == ("洪泽区人民政府", 2023, "2021", 2)
    assert sum(hongze["tags"].values()) == hongze["sentences"]
    assert data["errors"][0]["error"] == "EmptyFileError"
    assert read_page_summary(tmp_path / "notes.html") is None


def test_index_escapes_its_rows():
    page = render_index([{"file": "</script><b>x", "href": "javascript:alert(1)", "body": "<i>", "tags": {}}])
    assert "</script><b>" not in page and "<i>" not in page


def test_cli_view_writes_a_page(tmp_path, corpus_dir, capsys):
    out = tmp_path / "hz.html"
    src = corpus_dir / "000_hangzhou_emergency_2021.txt"
    assert main(["view", str(src), "--out", str(out), "--system", "rules", "--id", "hz"]) == 0
    assert str(out) in capsys.readouterr().out
    page = out.read_text(encoding="utf-8")
    data = _json_block(page, "xxgk-data")
    assert data["gold"] == {"id": "hz", "source": "corpus/000_hangzhou_emergency_2021.txt", "cells_in_source": True}
    assert read_page_summary(out)["body"] == "杭州市应急管理局"
    # a report saved as JSON gives the same page data
    saved = tmp_path / "hz.json"
    saved.write_text(xxgk.analyze(src, system="rules").to_json(include_text=True), encoding="utf-8")
    assert main(["view", str(saved), "--out", str(tmp_path / "again.html"), "--id", "hz",
                 "--source", "corpus/000_hangzhou_emergency_2021.txt"]) == 0
    again = _json_block((tmp_path / "again.html").read_text(encoding="utf-8"), "xxgk-data")
    assert again["sentences"] == data["sentences"] and again["tables"] == data["tables"]


def test_cli_view_names_a_bad_file(tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert main(["view", str(empty), "--out", str(tmp_path / "e.html"), "--system", "rules"]) == 1
    assert "empty.txt" in capsys.readouterr().err
    assert not (tmp_path / "e.html").exists()


def test_tag_html_writes_pages_and_index_and_resumes(tmp_path, corpus_dir):
    from xxgk.batch import tag

    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("000_hangzhou_emergency_2021.txt", "019_daoxian_culture_2013.txt"):
        shutil.copy(corpus_dir / name, inputs / name)
    (inputs / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    out = tmp_path / "out"
    first = tag([inputs], out, system="rules", progress=False)  # without pages
    assert first.done == 2 and not (out / "html").exists()
    second = tag([inputs], out, system="rules", progress=False, html=True)
    assert second.done == 2 and second.skipped == 1  # the failed input is not done again for a page
    pages = sorted(p.name for p in (out / "html").glob("*.html"))
    docs = xxgk.load(out).documents
    assert pages == sorted([f"{d}.html" for d in docs["doc_id"]] + ["index.html"])
    index = _json_block((out / "html" / "index.html").read_text(encoding="utf-8"), "xxgk-data")
    assert len(index["rows"]) == 2 and len(index["errors"]) == 1 and index["errors"][0]["path"].endswith("broken.pdf")
    third = tag([inputs], out, system="rules", progress=False, html=True)
    assert third.skipped == 3 and third.done == 0


def test_replay_of_a_gold_file_scores_one_against_itself(tmp_path, gold_dir, shared_dir):
    gold = gold_dir / "huaian-city-2024.json"
    folder = tmp_path / "gold"
    folder.mkdir()
    shutil.copy(gold, folder / gold.name)
    result = evaluate(folder, root=shared_dir, system=ReplaySystem([gold], root=shared_dir), tables=False)
    overall = result["runs"]["clean"]["overall"]
    assert overall["sections"]["accuracy"] == 1.0 and overall["tags"]["accuracy"] == 1.0
    assert result["system"] == "replay"


def test_replay_refuses_a_document_it_has_no_gold_for(tmp_path, gold_dir, shared_dir):
    folder = tmp_path / "gold"
    folder.mkdir()
    shutil.copy(gold_dir / "huaian-city-2024.json", folder)
    other = load_gold(gold_dir / "daoxian-culture-2013.json", root=shared_dir)
    with pytest.raises(ValueError, match="no replayed gold file"):
        evaluate(folder, root=shared_dir, system=ReplaySystem([other]), tables=False)


def test_page_weight_is_about_the_text(corpus_dir):
    report = xxgk.analyze(corpus_dir / "002_huaian_city_2024.pdf", system="rules")
    page = render_html(report).encode("utf-8")
    text = len(report.original_text.encode("utf-8"))
    cells = sum(len(t.cells()) for t in report.tables.values())
    # script and style (~35 kB) + the text + well under 200 bytes per cell
    assert len(page) < 40_000 + 1.5 * text + 200 * cells, len(page)


def test_public_api_exports_the_renderer():
    assert xxgk.render_html is render_html and xxgk.render_index is render_index
    assert Path(xxgk.view.__file__).parent.joinpath("assets", "report.js").is_file()


def test_cli_tag_html(tmp_path, corpus_dir):
    out = tmp_path / "out"
    src = corpus_dir / "019_daoxian_culture_2013.txt"
    assert main(["tag", str(src), "--out", str(out), "--system", "rules", "--html", "--no-progress",
                 "--format", "jsonl"]) == 0
    index = _json_block((out / "html" / "index.html").read_text(encoding="utf-8"), "xxgk-data")
    assert [r["file"] for r in index["rows"]] == [str(src)]
    assert (out / "html" / index["rows"][0]["href"]).is_file()
