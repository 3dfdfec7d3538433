"""Page weight and load time of ``xxgk view`` pages, and the README's screenshots.

    python benchmarks/view.py [--corpus ../shared/corpus] [--pages 100] [--system rules]
    python benchmarks/view.py --screenshots docs/img

Prints the weight (bytes) of the page of every corpus report (largest and
median), and the load time in headless chromium (navigation start to the
load event, the page's script included; median of 5 loads) of:

- the smallest corpus page (the baseline, measured in the same run),
- the page of the biggest corpus PDF,
- the page of a synthetic ``--pages``-page PDF written here with reportlab
  from the text of the corpus' text reports (so it has what a long real
  report has: thousands of sentences, page and bbox provenance).

The ratios to the baseline are what to compare between machines.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import xxgk  # noqa: E402
from xxgk.batch import expand_inputs  # noqa: E402
from xxgk.errors import XxgkError  # noqa: E402
from xxgk.view import render_html, write_html, write_index  # noqa: E402


def driver(width: int = 1400, height: int = 1000):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={width},{height}"):
        opts.add_argument(arg)
    opts.binary_location = "/usr/bin/chromium"
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def load_ms(drv, page: Path, repeat: int = 5) -> float:
    """Median time from navigation start to the end of the load event (the page's script has run)."""
    times = []
    for _ in range(repeat):
        drv.get("about:blank")
        drv.get(page.resolve().as_uri())
        assert drv.execute_script("return document.body.getAttribute('data-ready')") == "1", page
        errors = [e for e in drv.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors
        times.append(drv.execute_script("return performance.getEntriesByType('navigation')[0].loadEventEnd"))
    return statistics.median(times)


def long_pdf(corpus: Path, pages: int) -> bytes:
    """A ``pages``-page PDF report: a title, then the paragraphs of the corpus' text reports, hard-wrapped."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    paras: list[str] = []
    for path in sorted(corpus.glob("*.txt")):
        if path.name.endswith("_trad.txt"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        paras.extend(line.strip() for line in text.splitlines() if len(line.strip()) > 12)
    buf = io.BytesIO()
    cv = canvas.Canvas(buf, pagesize=A4)
    width, height = A4
    per_line, lines_per_page = 36, 46
    lines = ["某市人民政府2023年政府信息公开工作年度报告"]
    i = 0
    while len(lines) < pages * lines_per_page:
        p = paras[i % len(paras)]
        i += 1
        lines.extend(p[k:k + per_line] for k in range(0, len(p), per_line))
    for page in range(pages):
        cv.setFont("STSong-Light", 11)
        y = height - 60
        for line in lines[page * lines_per_page:(page + 1) * lines_per_page]:
            cv.drawString(50, y, line)
            y -= 16
        cv.showPage()
    cv.save()
    return buf.getvalue()


def measure(corpus: Path, pages: int, system: str) -> None:
    weights = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        for path in expand_inputs([corpus]):
            try:
                report = xxgk.analyze(path, system=system)
            except XxgkError:
                continue
            page = render_html(report).encode("utf-8")
            weights.append((len(page), path.name, len(report.sentences), report.meta.pages))
        weights.sort()
        size, name, n, npages = weights[-1]
        print(f"corpus pages ({system}): {len(weights)}; weight median {statistics.median(w[0] for w in weights):,.0f} B, "
              f"largest {size:,} B ({name}, {n} sentences, {npages or '-'} PDF pages)")

        pdfs = sorted((p for p in expand_inputs([corpus]) if p.suffix == ".pdf" and "bad" not in p.parts),
                      key=lambda p: p.stat().st_size)
        biggest = pdfs[-1]
        smallest = corpus / weights[0][1] if (corpus / weights[0][1]).exists() else None
        synthetic = tmp_dir / f"synthetic_{pages}_pages.pdf"
        synthetic.write_bytes(long_pdf(corpus, pages))
        t = time.perf_counter()
        long_report = xxgk.analyze(synthetic, system=system)
        analyse_s = time.perf_counter() - t
        t = time.perf_counter()
        long_page = write_html(long_report, tmp_dir / "synthetic.html")
        render_s = time.perf_counter() - t

        cases = [("baseline: smallest corpus page", smallest or biggest),
                 (f"biggest corpus PDF ({biggest.name})", biggest)]
        drv = driver()
        try:
            rows = []
            for label, path in cases:
                report = xxgk.analyze(path, system=system)
                page = write_html(report, tmp_dir / f"{path.name}.html")
                rows.append((label, page, report.meta.pages, len(report.sentences)))
            rows.append((f"synthetic {pages}-page PDF", long_page, long_report.meta.pages, len(long_report.sentences)))
            base_ms = None
            for label, page, npages, n in rows:
                ms = load_ms(drv, page)
                base_ms = base_ms or ms
                print(f"{label}: {page.stat().st_size:,} B, {npages or '-'} pages, {n} sentences: "
                      f"load {ms:.0f} ms ({ms / base_ms:.2f}x baseline)")
        finally:
            drv.quit()
        print(f"synthetic {pages}-page PDF: analyse {analyse_s:.1f} s, render {render_s * 1000:.0f} ms")


def screenshots(corpus: Path, out: Path, system: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        names = ["001_huaian_hongze_2023.pdf", "002_huaian_city_2024.pdf", "000_hangzhou_emergency_2021.txt",
                 "003_shanghai_office_2019.html", "019_daoxian_culture_2013.txt", "044_hebei_jyt_2021.txt",
                 "023_city_earthquake_2010_trad.txt", "009_pingtan_county_2011.txt"]
        for name in names:
            write_html(xxgk.analyze(corpus / name, system=system), tmp_dir / f"{name}.html")
        index = write_index(tmp_dir, title="xxgk reports: a few of the corpus")
        drv = driver(1400, 900)
        try:
            drv.get((tmp_dir / f"{names[0]}.html").as_uri())
            # the overview band with a sentence selected, then the review table with its broken R1 rule
            # the review table with its broken R1 rule, and a sentence of section 五 in the editor
            drv.execute_script("""
                document.querySelector('.band[data-sec="4"]').scrollIntoView();
                window.scrollBy(0, -40);
                document.querySelector('.band[data-sec="5"] .s.t-1').click();""")
            drv.save_screenshot(str(out / "view-report.png"))
            drv.get(index.as_uri())
            drv.save_screenshot(str(out / "view-index.png"))
        finally:
            drv.quit()
    print(f"wrote {out / 'view-report.png'} and {out / 'view-index.png'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--system", default="rules")
    ap.add_argument("--screenshots", type=Path, metavar="DIR", help="Write the README's screenshots to DIR instead.")
    args = ap.parse_args()
    if args.screenshots:
        screenshots(args.corpus, args.screenshots, args.system)
    else:
        measure(args.corpus, args.pages, args.system)


if __name__ == "__main__":
    main()
