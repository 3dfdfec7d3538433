"""Fuzz the readers and the pipeline with mutants of the corpus (issue 15): no hang, crash or untyped error.

Each mutant is a corpus file (PDF, HTML, text; DOCX written from corpus text)
changed by one to three mutations: bit flips, truncation, byte insertion,
deletion and duplication for every format; for DOCX, mutations of the zip's
members (damaged, dropped, renamed or duplicated members, broken XML, entity
declarations, deep nesting); for PDF, mutations of its structure (a broken
xref table or ``startxref``, an object that refers to itself, swapped object
numbers, a reference to a missing object, a wrong stream ``/Length``, a
truncated stream, huge numbers, deep nesting, a damaged content stream).

A worker process (``--jobs``) runs each mutant through :func:`xxgk.read` and
:func:`xxgk.analyze` with the ``rules`` system, tables included, inside the
per-file budget of :func:`xxgk.limits.file_budget` (``--timeout``) under a
memory cap (``--memory``). Every ``--cli-every``-th mutant also goes through
``xxgk read`` in a fresh process, whose stderr must hold no traceback. A
mutant fails the run when

- it **hangs**: no answer ``--grace`` seconds past its budget (the worker is
  killed and started again);
- it **crashes** the worker (a signal, ``Fatal Python error``);
- it raises an **untyped** error (not an :class:`xxgk.errors.XxgkError`), or a
  typed one whose message does not name the file;
- ``xxgk read`` prints a **raw traceback** or exits with an unexpected status.

A typed :class:`~xxgk.errors.FileTimeoutError` or ``TooLargeError`` is the
budget working, not a failure (they are counted). Every failing mutant is
saved under ``--out`` as ``<seed>-<index>/`` (the mutant, the base file's
name, the mutations and the traceback); ``--replay SEED-INDEX`` rebuilds it
from the seed and runs it again in this process.

Usage::

    make fuzz                                  # FUZZ_MINUTES=10 FUZZ_SEED=15 FUZZ_JOBS=1
    .venv/bin/python benchmarks/fuzz.py --minutes 10 --seed 15 --out fuzz-results
    .venv/bin/python benchmarks/fuzz.py --count 40 --seed 1     # a fixed handful
    .venv/bin/python benchmarks/fuzz.py --replay 15-1234
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing as mp
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
import zlib
from collections import Counter, defaultdict
from multiprocessing.connection import wait
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # hostile_fixtures: the DOCX and PDF writers

FORMATS = ("pdf", "docx", "html", "text")
EXT = {"pdf": ".pdf", "docx": ".docx", "html": ".html", "text": ".txt"}
INTERESTING = [b"\x00", b"\xff", b"\xfe\xff", b"(", b")", b"<<", b">>", b"[", b"]", b"<", b">", b"/", b"\\",
               b" R ", b" obj ", b"endobj", b"stream\n", b"endstream", b"%%EOF", b"xref", b"trailer",
               b"2147483647", b"-1", b"99999999999999999999", b"1e308", b"NaN", b"&#0;", b"<div>", b"</",
               b"<![CDATA[", b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>", b"\xe4\xb8", b"\x1b[31m", b"\r", b"\n" * 50]


# -- seeds ---------------------------------------------------------------------------------------


def _docx_from_text(text: str, table: bool) -> bytes:
    import hostile_fixtures as hf

    paras = [escape(line.strip()) for line in text.splitlines() if line.strip()][:200]
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paras)
    if table:  # a small table with a merged cell, like the statistical tables
        body += ("<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val=\"2\"/></w:tcPr><w:p><w:r><w:t>本年收到申请数量</w:t>"
                 "</w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>6</w:t></w:r></w:p></w:tc></w:tr>"
                 "<w:tr><w:tc><w:p><w:r><w:t>自然人</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>4</w:t></w:r></w:p>"
                 "</w:tc><w:tc><w:p><w:r><w:t>2</w:t></w:r></w:p></w:tc></w:tr></w:tbl>")
    data = hf.minimal_docx([])
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            member = src.read(info)
            if info.filename == "word/document.xml":
                member = member.replace(b"<w:body></w:body>", b"<w:body>" + body.encode() + b"</w:body>")
            zf.writestr(info.filename, member)
    return out.getvalue()


def load_seeds(corpus: Path) -> dict[str, list[tuple[str, bytes]]]:
    """The base files by format, in a fixed order (the same seed gives the same mutants)."""
    import hostile_fixtures as hf

    seeds: dict[str, list[tuple[str, bytes]]] = {f: [] for f in FORMATS}
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix != ".tsv")
    for p in files:
        fmt = {".pdf": "pdf", ".html": "html", ".htm": "html", ".docx": "docx"}.get(p.suffix.lower(), "text")
        seeds[fmt].append((str(p.relative_to(corpus)), p.read_bytes()))
    texts = [(n, d) for n, d in seeds["text"] if n.endswith(".txt")][:3]
    for i, (name, data) in enumerate(texts):
        seeds["docx"].append((f"{name}.docx", _docx_from_text(data.decode("utf-8", "replace"), table=i == 0)))
    seeds["pdf"].append(("many_page_pdf(3)", hf.many_page_pdf(3, lines=10)))  # an uncompressed PDF with an xref table
    return {f: s for f, s in seeds.items() if s}


# -- mutations -----------------------------------------------------------------------------------


def _pos(data: bytes, rng: random.Random) -> int:
    return rng.randrange(len(data) + 1)


def bit_flips(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 32) if b else 0):
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    return bytes(b)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(len(data) + 1)]


def insert_bytes(data: bytes, rng: random.Random) -> bytes:
    i = _pos(data, rng)
    if rng.random() < 0.5:
        chunk = rng.choice(INTERESTING) * rng.choice((1, 1, 2, 16, 1000))
    else:
        chunk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    return data[:i] + chunk + data[i:]


def delete_bytes(data: bytes, rng: random.Random) -> bytes:
    i = _pos(data, rng)
    return data[:i] + data[i + rng.randint(1, max(1, min(4096, len(data) // 4))):]


def duplicate_chunk(data: bytes, rng: random.Random) -> bytes:
    i, j = sorted((_pos(data, rng), _pos(data, rng)))
    k = _pos(data, rng)
    return data[:k] + data[i:j][:65536] * rng.choice((1, 2, 8)) + data[k:]


GENERIC = [bit_flips, truncate, insert_bytes, delete_bytes, duplicate_chunk]

_OBJ = re.compile(rb"(\d+)(\s+)(\d+)(\s+)obj\b")
_REF = re.compile(rb"(\d+)\s+(\d+)\s+R\b")
_LENGTH = re.compile(rb"/Length\s+(\d+)")
_NUMBER_KEYS = re.compile(rb"/(Count|Length|Width|Height|Size|N|First|W|Index|Columns|BitsPerComponent|Rotate|Prev)\s+(-?\d+)")


def _same_width(new: bytes, old: bytes) -> bytes | None:
    """``new`` padded with spaces to ``old``'s width (offsets in the xref stay right), or None when it is longer."""
    return new.ljust(len(old)) if len(new) <= len(old) else None


def _replace_at(data: bytes, m: re.Match, new: bytes, group: int = 0) -> bytes:
    return data[:m.start(group)] + new + data[m.end(group):]


def pdf_break_xref(data: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(4)
    at = data.rfind(b"startxref")
    if choice == 0 and at >= 0:  # startxref points elsewhere
        m = re.compile(rb"startxref\s+(\d+)").match(data, at)
        if m:
            return _replace_at(data, m, str(rng.randrange(len(data) + 100)).encode(), 1)
    if choice == 1:  # every "xref" keyword gone: the parser has to scan for objects
        return data.replace(b"xref", b"xxxx")
    table = data.rfind(b"\nxref")
    if choice == 2 and table >= 0:  # offsets in the table changed
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            i = table + rng.randrange(min(2000, len(data) - table))
            if chr(b[i]).isdigit():
                b[i] = ord(str(rng.randrange(10)))
        return bytes(b)
    return data[:at] if at > 0 else truncate(data, rng)  # no xref, no trailer


def pdf_self_reference(data: bytes, rng: random.Random) -> bytes:
    objs = list(_OBJ.finditer(data))
    if not objs:
        return bit_flips(data, rng)
    k = rng.randrange(len(objs))
    obj = objs[k]
    end = objs[k + 1].start() if k + 1 < len(objs) else len(data)
    own = obj.group(1) + b" " + obj.group(3) + b" R"
    if rng.random() < 0.5:  # the whole body is a reference to itself
        body_end = data.find(b"endobj", obj.end(), end)
        if body_end > 0:
            return data[:obj.end()] + _same_width(b" " + own, data[obj.end():body_end]) + data[body_end:] \
                if _same_width(b" " + own, data[obj.end():body_end]) else data
    refs = list(_REF.finditer(data, obj.end(), end)) or list(_REF.finditer(data))
    if not refs:
        return data
    ref = rng.choice(refs)
    if rng.random() < 0.5:  # a reference in some object points at the object holding it
        new = _same_width(own, ref.group(0))
    else:  # or at a random object (cycles through the tree)
        other = rng.choice(objs)
        new = _same_width(other.group(1) + b" 0 R", ref.group(0))
    return _replace_at(data, ref, new) if new else data


def pdf_swap_objects(data: bytes, rng: random.Random) -> bytes:
    objs = list(_OBJ.finditer(data))
    if len(objs) < 2:
        return bit_flips(data, rng)
    a, b = sorted(rng.sample(objs, 2), key=lambda m: m.start())
    na, nb = _same_width(b.group(1), a.group(1)), _same_width(a.group(1), b.group(1))
    if na is None or nb is None:  # different widths: swap without keeping offsets
        na, nb = b.group(1), a.group(1)
    return data[:a.start(1)] + na + data[a.end(1):b.start(1)] + nb + data[b.end(1):]


def pdf_missing_reference(data: bytes, rng: random.Random) -> bytes:
    refs = list(_REF.finditer(data))
    if not refs:
        return bit_flips(data, rng)
    ref = rng.choice(refs)
    return _replace_at(data, ref, rng.choice([b"99999 0 R", b"0 0 R", b"1 65535 R", b"-3 0 R"]))


def pdf_stream_length(data: bytes, rng: random.Random) -> bytes:
    lengths = list(_LENGTH.finditer(data))
    if not lengths:
        return truncate(data, rng)
    m = rng.choice(lengths)
    old = int(m.group(1))
    new = str(rng.choice([0, old // 2, old + 1, old * 10, 2**31 - 1, 2**63])).encode()
    return _replace_at(data, m, new, 1)


def pdf_truncate_stream(data: bytes, rng: random.Random) -> bytes:
    starts = [m.end() for m in re.finditer(rb"stream\r?\n", data)]
    if not starts:
        return truncate(data, rng)
    s = rng.choice(starts)
    e = data.find(b"endstream", s)
    if e < 0:
        return data[:s]
    cut = s + rng.randrange(max(1, e - s))
    return data[:cut] + data[e:]  # the stream ends early (its /Length now lies)


def pdf_huge_numbers(data: bytes, rng: random.Random) -> bytes:
    ms = list(_NUMBER_KEYS.finditer(data))
    if not ms:
        return bit_flips(data, rng)
    m = rng.choice(ms)
    return _replace_at(data, m, rng.choice([b"2147483647", b"-2147483648", b"999999999999", b"-1", b"0"]), 2)


def pdf_deep_nesting(data: bytes, rng: random.Random) -> bytes:
    objs = list(_OBJ.finditer(data))
    at = rng.choice(objs).end() if objs else _pos(data, rng)
    depth = rng.choice([100, 10_000, 100_000])
    nest = rng.choice([b"[" * depth + b"]" * depth, b"<<" * depth + b">>" * depth, b"[" * depth])
    return data[:at] + b" " + nest + data[at:]


def pdf_content_stream(data: bytes, rng: random.Random) -> bytes:
    """Inflate a FlateDecode stream, mutate its bytes, deflate it again and fix its /Length."""
    cands = []
    for m in re.finditer(rb"/Length\s+(\d+)(?:(?!stream).){0,200}?stream\r?\n", data, re.S):
        n = int(m.group(1))
        if 0 < n < 5_000_000 and m.end() + n <= len(data):
            cands.append((m, n))
    rng.shuffle(cands)
    for m, n in cands[:10]:
        try:
            raw = zlib.decompress(data[m.end():m.end() + n])
        except zlib.error:
            continue
        mutated = zlib.compress(rng.choice(GENERIC)(raw, rng))
        head = data[m.start():m.end()].replace(m.group(1), str(len(mutated)).encode(), 1)
        return data[:m.start()] + head + mutated + data[m.end() + n:]
    return bit_flips(data, rng)


PDF = [pdf_break_xref, pdf_self_reference, pdf_swap_objects, pdf_missing_reference, pdf_stream_length,
       pdf_truncate_stream, pdf_huge_numbers, pdf_deep_nesting, pdf_content_stream]


def _rezip(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    import warnings

    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", compression) as zf:
        warnings.simplefilter("ignore")  # duplicate names are one of the mutations
        for name, member in members:
            zf.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), member, compress_type=compression)
    return out.getvalue()


def _xml_mutation(xml: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(6)
    if choice == 0:  # an entity declaration (XXE, billion laughs)
        dtd = rng.choice([b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
                          b'<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                          b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'])
        head = xml.find(b"?>") + 2
        body = xml.replace(b"<w:t>", b"<w:t>&x;&d;", 1)
        return body[:head] + dtd + body[head:]
    if choice == 1:  # deep nesting
        depth = rng.choice([1000, 100_000])
        return xml.replace(b"<w:body>", b"<w:body>" + b"<w:p>" * depth + b"</w:p>" * depth, 1)
    if choice == 2:  # a tag dropped
        tags = list(re.finditer(rb"</?w:[a-zA-Z]+[^>]*>", xml))
        if tags:
            t = rng.choice(tags)
            return xml[:t.start()] + xml[t.end():]
    if choice == 3:  # an attribute with a wild value
        return re.sub(rb'w:val="[^"]*"', rng.choice([b'w:val="-1"', b'w:val="99999999"', b'w:val="x"']), xml, count=3)
    return rng.choice(GENERIC)(xml, rng)


def docx_member(data: bytes, rng: random.Random) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = [(i.filename, zf.read(i)) for i in zf.infolist()]
    except Exception:  # noqa: BLE001  (already broken by an earlier mutation)
        return bit_flips(data, rng)
    if not members:
        return data
    k = rng.randrange(len(members))
    name, member = members[k]
    choice = rng.randrange(6)
    if name == "word/document.xml" or choice == 0:
        members[k] = (name, _xml_mutation(member, rng))
    elif choice == 1:
        del members[k]
    elif choice == 2:
        members[k] = (rng.choice(["word/document2.xml", "WORD/DOCUMENT.XML", "../evil.xml", "/abs.xml"]), member)
    elif choice == 3:
        members.append((name, rng.choice(GENERIC)(member, rng)))  # a duplicate name
    elif choice == 4:
        members.append(("word/media/bomb.bin", b"\x00" * rng.choice([1 << 20, 8 << 20])))
    else:
        members[k] = (name, rng.choice(GENERIC)(member, rng))
    return _rezip(members, rng.choice([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]))


def docx_zip_header(data: bytes, rng: random.Random) -> bytes:
    """Damage the zip's own records: a local header's sizes, the central directory, the end record."""
    sigs = {b"PK\x03\x04": (18, 8), b"PK\x01\x02": (20, 8), b"PK\x05\x06": (10, 6)}
    sig = rng.choice(list(sigs))
    at = [m.start() for m in re.finditer(re.escape(sig), data)]
    if not at:
        return bit_flips(data, rng)
    i = rng.choice(at)
    off, width = sigs[sig]
    b = bytearray(data)
    for j in range(i + off, min(len(b), i + off + width)):
        b[j] = rng.choice([0x00, 0xFF, rng.randrange(256)])
    return bytes(b)


DOCX = [docx_member, docx_member, docx_zip_header]


def html_mutation(data: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:
        depth = rng.choice([300, 5000, 100_000])
        i = data.find(b"<body")
        i = data.find(b">", i) + 1 if i >= 0 else 0
        return data[:i] + b"<div>" * depth + data[i:] + b"</div>" * rng.choice([0, depth])
    if choice == 1:  # tags dropped
        tags = list(re.finditer(rb"</?(table|tr|td|p|div|tbody)[^>]*>", data))
        for t in sorted(rng.sample(tags, min(len(tags), 5)), key=lambda m: -m.start()):
            data = data[:t.start()] + data[t.end():]
        return data
    if choice == 2:  # a charset that lies
        return re.sub(rb"charset=[\"']?[\w-]+", rng.choice([b"charset=big5", b"charset=utf-16", b"charset=x-bogus"]), data,
                      count=1) if b"charset" in data else b'<meta charset="utf-32">' + data
    if choice == 3:  # huge spans
        return re.sub(rb"<td", rng.choice([b'<td colspan="100000" rowspan="100000"', b'<td colspan="-1"',
                                            b'<td rowspan="x"']), data, count=rng.randint(1, 5))
    return data.replace(b"<table", b"<table><table><table", 3)


HTML = [html_mutation, html_mutation]


def text_mutation(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8", "replace")
    choice = rng.randrange(4)
    if choice == 0:
        return text.encode(rng.choice(["gb18030", "big5", "utf-16-le", "utf-16", "utf-32"]), "replace")
    if choice == 1:  # one part in another encoding
        cut = rng.randrange(len(text) + 1)
        return text[:cut].encode() + text[cut:].encode(rng.choice(["gb18030", "big5"]), "replace")
    if choice == 2:  # one huge line
        return data.replace(b"\n", b" ")
    return data.replace(b"\n", rng.choice([b"\r", b"\x00", b"\x0c", b"\xe2\x80\xa8", b"\n\n\n\n"]))


TEXT = [text_mutation]
SPECIFIC = {"pdf": PDF, "docx": DOCX, "html": HTML, "text": TEXT}


def make_mutant(seeds: dict[str, list[tuple[str, bytes]]], seed: int, index: int) -> tuple[str, str, list[str], bytes]:
    """The mutant ``index`` of run ``seed``: its format, base file, mutations and bytes (deterministic)."""
    rng = random.Random(f"xxgk-fuzz/{seed}/{index}")
    fmt = rng.choice([f for f in FORMATS if f in seeds])
    base, data = rng.choice(seeds[fmt])
    ops = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        op = rng.choice(SPECIFIC[fmt]) if rng.random() < 0.65 else rng.choice(GENERIC)
        data = op(data, rng)
        ops.append(op.__name__)
    return fmt, base, ops, data


# -- the worker ------------------------------------------------------------------------------------


def run_one(path: str, timeout: float) -> dict:
    """Read and analyse one file as the library's user would; what happened, as a dict."""
    import xxgk
    from xxgk import errors, limits

    t0 = time.perf_counter()
    out: dict = {"outcome": "ok"}
    try:
        with limits.file_budget(path, timeout):
            doc = xxgk.read(path)
            xxgk.analyze(doc, system="rules", tables=True)
    except errors.XxgkError as err:
        out = {"outcome": "typed", "error": type(err).__name__}
        if os.path.basename(path) not in str(err):
            out = {"outcome": "unnamed", "error": type(err).__name__, "message": str(err)[:500]}
    except Exception as err:  # noqa: BLE001  (what the fuzzer is looking for)
        out = {"outcome": "untyped", "error": type(err).__name__, "traceback": traceback.format_exc()}
    out["seconds"] = time.perf_counter() - t0
    return out


def _worker(conn, timeout: float, memory: int) -> None:  # pragma: no cover - runs in a child process
    import logging
    import warnings

    from xxgk import limits

    limits.die_with_parent()
    limits.set_limits(limits.Limits(timeout=timeout, memory=memory))
    limits.set_memory_limit(memory)
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    while True:
        path = conn.recv()
        if path is None:
            return
        conn.send(run_one(path, timeout))


class Worker:
    def __init__(self, ctx, timeout: float, memory: int) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, timeout, memory), daemon=True)
        self.proc.start()
        child.close()
        self.job: dict | None = None
        self.since = 0.0

    def send(self, job: dict) -> None:
        self.job, self.since = job, time.monotonic()
        self.conn.send(job["path"])

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)


def _cli(path: str, timeout: float) -> dict | None:
    """``xxgk read`` in a fresh process: a failure when it prints a traceback or exits oddly."""
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    try:
        p = subprocess.run([sys.executable, "-m", "xxgk", "read", path, "--timeout", str(timeout)], env=env,
                           capture_output=True, timeout=timeout + 30)
    except subprocess.TimeoutExpired:
        return {"outcome": "cli-hang"}
    err = p.stderr.decode("utf-8", "replace")
    if "Traceback" in err or "Fatal Python error" in err or p.returncode not in (0, 1, 2):
        return {"outcome": "cli-traceback", "returncode": p.returncode, "stderr": err[-4000:]}
    return None


# -- the run ---------------------------------------------------------------------------------------

FAILURES = ("hang", "crash", "untyped", "unnamed", "cli-hang", "cli-traceback")


def _save(out: Path, job: dict, result: dict) -> None:
    folder = out / f"{job['seed']}-{job['index']}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ("mutant" + EXT[job["format"]])).write_bytes(Path(job["path"]).read_bytes())
    meta = {k: v for k, v in job.items() if k != "path"}
    meta["replay"] = f"python benchmarks/fuzz.py --replay {job['seed']}-{job['index']}"
    (folder / "result.json").write_text(json.dumps({**meta, **result}, ensure_ascii=False, indent=1))


def fuzz(args: argparse.Namespace) -> dict:
    seeds = load_seeds(Path(args.corpus))
    out = Path(args.out)
    ctx = mp.get_context("spawn")
    workers = [Worker(ctx, args.timeout, args.memory << 20) for _ in range(args.jobs)]
    tmp = Path(tempfile.mkdtemp(prefix="xxgk-fuzz-"))
    stats: dict = {"per_format": defaultdict(Counter), "typed": Counter(), "failures": Counter(), "slowest": (0.0, ""),
                   "loads": [os.getloadavg()[0]]}
    deadline = time.monotonic() + args.minutes * 60
    index, done, started = args.start, 0, time.monotonic()
    last_load = started

    def record(job: dict, result: dict) -> None:
        nonlocal done
        done += 1
        outcome = result["outcome"]
        stats["per_format"][job["format"]]["mutants"] += 1
        stats["per_format"][job["format"]][outcome] += 1
        if outcome in ("typed", "unnamed"):
            stats["typed"][result["error"]] += 1
        if result.get("seconds", 0) > stats["slowest"][0]:
            stats["slowest"] = (result["seconds"], f"{job['seed']}-{job['index']}")
        if outcome in FAILURES:
            stats["failures"][outcome] += 1
            _save(out, job, result)
            print(f"FAIL {outcome} {job['seed']}-{job['index']} {job['format']} {job['base']} {job['ops']} "
                  f"{result.get('error', '')}", flush=True)

    def more() -> bool:
        return index < args.start + args.count if args.count else time.monotonic() < deadline

    try:
        idle = list(workers)
        busy: list[Worker] = []
        while more() or busy:
            while idle and more():
                fmt, base, ops, data = make_mutant(seeds, args.seed, index)
                path = tmp / f"m{index}{EXT[fmt]}"
                path.write_bytes(data)
                w = idle.pop()
                w.send({"seed": args.seed, "index": index, "format": fmt, "base": base, "ops": ops, "path": str(path),
                        "bytes": len(data)})
                busy.append(w)
                index += 1
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=1.0)
            now = time.monotonic()
            for w in list(busy):
                job = w.job
                assert job is not None
                result = None
                if w.conn in ready:
                    try:
                        result = w.conn.recv()
                    except (EOFError, OSError):
                        result = None
                if result is None and (w.proc.sentinel in ready or not w.proc.is_alive()):
                    result = {"outcome": "crash", "exitcode": w.proc.exitcode}
                elif result is None and now - w.since > args.timeout + args.grace:
                    result = {"outcome": "hang", "seconds": now - w.since}
                if result is None:
                    continue
                busy.remove(w)
                if result["outcome"] in ("crash", "hang"):
                    w.kill()
                    workers.remove(w)
                    w = Worker(ctx, args.timeout, args.memory << 20)
                    workers.append(w)
                elif args.cli_every and job["index"] % args.cli_every == 0:
                    cli = _cli(job["path"], args.timeout)
                    if cli:
                        result = {**result, **cli}
                record(job, result)
                Path(job["path"]).unlink(missing_ok=True)
                idle.append(w)
            if now - last_load > 30:
                stats["loads"].append(os.getloadavg()[0])
                last_load = now
    finally:
        for w in workers:
            try:
                w.conn.send(None)
            except OSError:
                pass
            w.proc.join(2)
            if w.proc.is_alive():
                w.kill()
        for p in tmp.iterdir():
            p.unlink()
        tmp.rmdir()
    stats["loads"].append(os.getloadavg()[0])
    stats["mutants"] = done
    stats["seconds"] = time.monotonic() - started
    return stats


def report(stats: dict, args: argparse.Namespace) -> str:
    lines = [f"fuzz: seed {args.seed}, {stats['mutants']} mutants in {stats['seconds']:.0f} s "
             f"({stats['mutants'] / max(stats['seconds'], 1e-9):.1f}/s), budget {args.timeout:g} s per file, "
             f"memory cap {args.memory} MB, {args.jobs} worker(s), `xxgk read` on every {args.cli_every}th",
             f"load (1-min average): start {stats['loads'][0]:.2f}, mean {sum(stats['loads']) / len(stats['loads']):.2f}, "
             f"max {max(stats['loads']):.2f}",
             "",
             f"| format | mutants | read and analysed | typed error | {' | '.join(FAILURES)} |",
             "|---|---:|---:|---:|" + "---:|" * len(FAILURES)]
    total: Counter = Counter()
    for fmt in FORMATS:
        c = stats["per_format"].get(fmt, Counter())
        total.update(c)
        lines.append(f"| {fmt} | {c['mutants']} | {c['ok']} | {c['typed']} | " + " | ".join(str(c[f]) for f in FAILURES) + " |")
    lines.append(f"| all | {total['mutants']} | {total['ok']} | {total['typed']} | "
                 + " | ".join(str(total[f]) for f in FAILURES) + " |")
    lines += ["", "typed errors by kind: " + ", ".join(f"{k} {v}" for k, v in stats["typed"].most_common()),
              f"slowest mutant: {stats['slowest'][0]:.1f} s ({stats['slowest'][1]})",
              f"failures: {sum(stats['failures'].values())}" + (f" (saved under {args.out})" if stats["failures"] else "")]
    return "\n".join(lines)


def replay(args: argparse.Namespace) -> int:
    seed, index = (int(x) for x in args.replay.split("-"))
    fmt, base, ops, data = make_mutant(load_seeds(Path(args.corpus)), seed, index)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"mutant{EXT[fmt]}"
        path.write_bytes(data)
        print(f"{seed}-{index}: {fmt} from {base}, {ops}, {len(data)} bytes")
        result = run_one(str(path), args.timeout)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 1 if result["outcome"] in FAILURES else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=float(env("FUZZ_MINUTES", 10)))
    p.add_argument("--count", type=int, default=0, help="Run exactly this many mutants instead of --minutes.")
    p.add_argument("--seed", type=int, default=int(env("FUZZ_SEED", 15)))
    p.add_argument("--start", type=int, default=0, help="The first mutant's index.")
    p.add_argument("--jobs", type=int, default=int(env("FUZZ_JOBS", 1)))
    p.add_argument("--timeout", type=float, default=float(env("FUZZ_TIMEOUT", 20)),
                   help="The per-file budget (xxgk.limits.file_budget), seconds.")
    p.add_argument("--grace", type=float, default=10.0, help="Seconds past the budget before a mutant is a hang.")
    p.add_argument("--memory", type=int, default=2048, help="The worker's memory cap (RLIMIT_DATA), MB.")
    p.add_argument("--cli-every", type=int, default=25, help="Also run `xxgk read` on every Nth mutant (0: never).")
    p.add_argument("--corpus", default=str(REPO.parent / "shared" / "corpus"))
    p.add_argument("--out", default=env("FUZZ_OUT", "fuzz-results"), help="Where failing mutants are saved.")
    p.add_argument("--replay", metavar="SEED-INDEX", help="Rebuild one mutant and run it in this process.")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.replay:
        return replay(args)
    if not Path(args.corpus).is_dir():
        print(f"fuzz: no corpus at {args.corpus} (--corpus)", file=sys.stderr)
        return 2
    stats = fuzz(args)
    print(report(stats, args))
    return 1 if sum(stats["failures"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
