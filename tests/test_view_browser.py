"""The report pages in a real headless browser (Debian's chromium + chromium-driver, driven by selenium).

`make test` installs chromium where it may (`make browser`); elsewhere these
tests skip and say why. Each test reads the browser's console log: a page
that logs an error (a script error, a Content-Security-Policy violation)
fails.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

import xxgk
from xxgk.align import gold_labels_for
from xxgk.batch import expand_inputs
from xxgk.errors import XxgkError
from xxgk.evaluate import evaluate, load_gold
from xxgk.evaluate.metrics import table_scores
from xxgk.pipeline import prepare
from xxgk.view import ReplaySystem, page_data, write_html, write_index

CHROMIUM = Path(os.environ.get("XXGK_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("XXGK_CHROMEDRIVER", "/usr/bin/chromedriver"))
GOLD_ID = "hangzhou-emergency-2021"


def _skip_reason() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "needs selenium (pip install -e '.[dev]')"
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        return (f"needs a headless browser at {CHROMIUM} and {CHROMEDRIVER}: "
                "`make browser` (apt-get install -y chromium chromium-driver)")
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000"):
        opts.add_argument(arg)
    opts.binary_location = str(CHROMIUM)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    yield driver
    driver.quit()


def _open(driver, path: Path) -> None:
    driver.get(path.resolve().as_uri())
    for _ in range(100):
        if driver.execute_script("return document.body && document.body.getAttribute('data-ready')") == "1":
            return
        time.sleep(0.05)
    raise AssertionError(f"{path}: the page's script did not finish; console: {driver.get_log('browser')}")


def _console_errors(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


def _wait_for_file(folder: Path, name: str, timeout: float = 10.0) -> Path:
    path = folder / name
    end = time.time() + timeout
    while time.time() < end:
        if path.is_file() and not list(folder.glob("*.crdownload")):
            return path
        time.sleep(0.1)
    raise AssertionError(f"{name} was not downloaded into {folder}: {sorted(p.name for p in folder.iterdir())}")


def _click(driver, css: str) -> None:
    """Scroll the element to the middle (clear of the sticky header) and click it."""
    from selenium.webdriver.common.by import By

    el = driver.find_element(By.CSS_SELECTOR, css)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
    el.click()


def _export(driver, downloads: Path, gold_id: str, source: str) -> Path:
    """Click "Export gold…", fill in the dialog, download; returns the file."""
    from selenium.webdriver.common.by import By

    target = downloads / f"{gold_id}.json"
    target.unlink(missing_ok=True)
    driver.find_element(By.ID, "export").click()
    for field, value in (("ex-id", gold_id), ("ex-source", source)):
        box = driver.find_element(By.ID, field)
        box.clear()
        box.send_keys(value)
    driver.find_element(By.ID, "ex-download").click()
    return _wait_for_file(downloads, target.name)


def test_every_corpus_file_renders_without_console_errors(browser, corpus_dir, tmp_path):
    rendered = 0
    for path in expand_inputs([corpus_dir]):
        try:
            report = xxgk.analyze(path, system="rules")
        except XxgkError:
            continue  # an unreadable input has no page (``xxgk view`` says why)
        page = write_html(report, tmp_path / f"{path.name}.html")
        _open(browser, page)
        assert _console_errors(browser) == [], path.name
        data = page_data(report)
        n_spans = browser.execute_script("return document.querySelectorAll('#text .s').length")
        n_cells = browser.execute_script("return document.querySelectorAll('td[data-c]').length")
        assert n_spans == len(report.sentences), path.name
        assert n_cells == sum(len(t["cells"]) for t in data["tables"].values()), path.name
        bands = browser.execute_script("return document.querySelectorAll('.band').length")
        assert bands == len(report.sections), path.name
        rendered += 1
    assert rendered >= 57  # every file of the corpus' top folder at least

    index = write_index(tmp_path)
    _open(browser, index)
    assert _console_errors(browser) == []
    assert browser.execute_script("return document.querySelectorAll('#reports tbody tr').length") == rendered


def test_hostile_report_text_is_shown_not_run(browser, tmp_path):
    hostile = ("2021年政府信息公开工作年度报告\n一、总体情况\n2021年，共受理申请6件</script><script>alert(1)</script>。\n"
               "五、存在的主要问题及改进情况\n本年发布<img src=x onerror=alert(2)>信息。\n")
    report = xxgk.analyze(hostile, system="rules")
    _open(browser, write_html(report, tmp_path / "hostile.html"))  # an alert() would stop selenium here
    assert _console_errors(browser) == []
    assert browser.execute_script("return document.querySelectorAll('#content img, #content script').length") == 0
    text = browser.execute_script("return document.getElementById('text').textContent")
    assert "</script><script>alert(1)</script>" in text and "<img src=x onerror=alert(2)>" in text


def test_index_sorts_and_filters(browser, corpus_dir, tmp_path):
    from selenium.webdriver.common.by import By

    for name in ("001_huaian_hongze_2023.pdf", "000_hangzhou_emergency_2021.txt", "019_daoxian_culture_2013.txt"):
        write_html(xxgk.analyze(corpus_dir / name, system="rules"), tmp_path / f"{name}.html")
    _open(browser, write_index(tmp_path))

    def column(key):
        return browser.execute_script(
            f"return Array.from(document.querySelectorAll('#reports tbody td[data-col=\"{key}\"]')).map(td => td.textContent)")

    browser.find_element(By.CSS_SELECTOR, "th[data-key=year]").click()
    assert column("year") == ["2013", "2021", "2023"]
    browser.find_element(By.CSS_SELECTOR, "th[data-key=year]").click()
    assert column("year") == ["2023", "2021", "2013"]
    browser.find_element(By.ID, "only-broken").click()
    assert column("body") == ["洪泽区人民政府"]
    browser.find_element(By.ID, "only-broken").click()
    browser.find_element(By.ID, "filter").send_keys("杭州")
    assert column("body") == ["杭州市应急管理局"]
    assert _console_errors(browser) == []


def test_default_model_page(browser, corpus_dir, tmp_path, shipped_model):
    report = xxgk.analyze(corpus_dir / "002_huaian_city_2024.pdf")
    assert report.system == "model"
    _open(browser, write_html(report, tmp_path / "model.html"))
    assert _console_errors(browser) == []
    low = sum(1 for s in report.sentences if s.confidence < 0.6)
    assert browser.execute_script("return document.querySelectorAll('#text .s.low').length") == low
    assert browser.execute_script("return document.querySelectorAll('#text .s').length") == len(report.sentences)


def test_review_one_tag_and_one_cell_then_export_round_trips(browser, downloads, shared_dir, tmp_path, repo_dir):
    """Change a tag and a cell with the controls; the export is gold, and the harness sees exactly those changes."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    gold = load_gold(shared_dir / "gold" / f"{GOLD_ID}.json")
    report = xxgk.analyze(gold.source_path, system="rules")
    _open(browser, write_html(report, tmp_path / "review.html"))
    browser.save_screenshot(str(tmp_path / "review.png"))
    assert (tmp_path / "review.png").stat().st_size > 10_000

    # a tag: the first achievement sentence becomes a problem
    i = next(k for k, s in enumerate(report.sentences) if s.tag == "achievement")
    _click(browser, f"#text span[data-i='{i}']")
    Select(browser.find_element(By.ID, "se-tag")).select_by_visible_text("problem")
    # a cell: applications.new_requests.total gets its value plus 1
    cell = report.tables["applications"].rows["new_requests"]["total"]
    _click(browser, "td[data-t=applications][data-c='new_requests.total']")
    box = browser.find_element(By.ID, "ce-value")
    box.clear()
    box.send_keys(str(cell.value + 1), Keys.ENTER)
    assert browser.find_element(By.ID, "changes").text == "2 changes"
    assert "edited" in browser.find_element(By.CSS_SELECTOR, f"#text span[data-i='{i}']").get_attribute("class")
    assert _console_errors(browser) == []

    folder = tmp_path / "gold"
    folder.mkdir()
    exported = _export(browser, downloads, "hz-reviewed", gold.source)
    shutil.copy(exported, folder / exported.name)
    loaded = load_gold(folder / exported.name, root=shared_dir)  # valid gold, source found
    assert loaded.sentences[i].tag == "problem"
    assert loaded.tables["applications"]["new_requests"]["total"] == cell.value + 1

    result = evaluate(folder, root=shared_dir, system="rules")
    clean = result["runs"]["clean"]["overall"]
    n = len(report.sentences)
    assert clean["sections"]["accuracy"] == 1.0
    assert clean["tags"]["correct"] == n - 1
    tables = result["tables"]["reports"][0]
    assert tables["per_table"]["applications"]["wrong"] == ["new_requests.total"]
    assert tables["correct"] == tables["cells"] - 1

    # both changed back: the export is the rules system's output again, and scores 1.000
    _click(browser, f"#text span[data-i='{i}']")
    Select(browser.find_element(By.ID, "se-tag")).select_by_visible_text("achievement")
    _click(browser, "td[data-t=applications][data-c='new_requests.total']")
    box = browser.find_element(By.ID, "ce-value")
    box.clear()
    box.send_keys(str(cell.value), Keys.ENTER)
    assert browser.find_element(By.ID, "changes").text == "no changes"
    exported = _export(browser, downloads, "hz-reviewed", gold.source)
    shutil.copy(exported, folder / exported.name)
    again = evaluate(folder, root=shared_dir, system="rules")
    clean = again["runs"]["clean"]["overall"]
    assert (clean["sections"]["accuracy"], clean["tags"]["accuracy"], again["tables"]["all"]["accuracy"]) == (1.0, 1.0, 1.0)
    assert _console_errors(browser) == []


def test_corrections_back_to_the_gold_score_one(browser, downloads, shared_dir, tmp_path):
    """Label a report's page as its gold file says; the exported corrections score 1.000 against that gold."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    gold = load_gold(shared_dir / "gold" / f"{GOLD_ID}.json")
    doc = xxgk.read(gold.source_path)
    report = xxgk.analyze(doc, system="rules")
    sections, tags, _mask = gold_labels_for(prepare(doc), gold)
    assert len(sections) == len(report.sentences)
    _open(browser, write_html(report, tmp_path / "correct.html"))

    todo = [k for k, s in enumerate(report.sentences)
            if s.section != sections[k] or (tags[k] is not None and s.tag != tags[k])]
    assert todo, "the rules system is perfect on this report: pick another to test corrections"
    # the first correction through the controls, the rest through the same functions
    k = todo[0]
    _click(browser, f"#text span[data-i='{k}']")
    Select(browser.find_element(By.ID, "se-section")).select_by_value(str(xxgk.SECTION_LABELS.index(sections[k])))
    Select(browser.find_element(By.ID, "se-tag")).select_by_value(
        str(xxgk.TAGS.index(tags[k] or report.sentences[k].tag)))
    for k in todo[1:]:
        browser.execute_script("xxgkView.setSentence(arguments[0], arguments[1], arguments[2])",
                               k, sections[k], tags[k] or report.sentences[k].tag)
    cells = browser.execute_script("return Object.keys(xxgkView.tables).flatMap(t => "
                                   "Object.keys(xxgkView.tables[t].cells).map(c => t + '.' + c))")
    for name, table in gold.tables.items():
        for row, cols in table.items():
            if row == "template":
                continue
            for col, value in cols.items():
                assert f"{name}.{row}.{col}" in cells, f"the page has no cell for gold {name}.{row}.{col}"
                browser.execute_script("xxgkView.setCell(arguments[0], arguments[1], arguments[2])",
                                       name, f"{row}.{col}", value)
    assert _console_errors(browser) == []

    exported = _export(browser, downloads, "hz-corrected", gold.source)
    corrected = load_gold(exported, root=shared_dir)
    folder = tmp_path / "gold"
    folder.mkdir()
    shutil.copy(gold.path, folder / gold.path.name)
    result = evaluate(folder, root=shared_dir, system=ReplaySystem([corrected]), tables=False)
    clean = result["runs"]["clean"]["overall"]
    assert (clean["sections"]["accuracy"], clean["tags"]["accuracy"], clean["coverage"]) == (1.0, 1.0, 1.0)
    assert clean["sections"]["boundary"]["f1"] == 1.0
    assert table_scores(gold.tables, corrected.tables)["accuracy"] == 1.0
    json.loads(exported.read_text(encoding="utf-8"))  # plain JSON, UTF-8


def test_a_sentence_left_out_is_not_in_the_gold(browser, downloads, shared_dir, tmp_path):
    from selenium.webdriver.common.by import By

    gold = load_gold(shared_dir / "gold" / f"{GOLD_ID}.json")
    report = xxgk.analyze(gold.source_path, system="rules")
    _open(browser, write_html(report, tmp_path / "drop.html"))
    k = len(report.sentences) // 2
    _click(browser, f"#text span[data-i='{k}']")
    browser.find_element(By.ID, "se-drop").click()
    assert "dropped" in browser.find_element(By.CSS_SELECTOR, f"#text span[data-i='{k}']").get_attribute("class")
    assert browser.find_element(By.ID, "changes").text == "1 change"
    exported = load_gold(_export(browser, downloads, "hz-dropped", gold.source), root=shared_dir)
    texts = ["".join(report.original_text[s.orig_start:s.orig_end].split()) for s in report.sentences]
    assert exported.texts == texts[:k] + texts[k + 1:]
    assert _console_errors(browser) == []
