"""Hostile and unlucky inputs (issue 15): each probe ends in a typed error or a correct result, fast."""

from __future__ import annotations

import os
from pathlib import Path

import hostile_fixtures as hf
import pytest

import xxgk
from xxgk import errors, limits, outdir
from xxgk import io as xio
from xxgk.reading import read
from xxgk.tidy import empty_rows


@pytest.mark.parametrize("kind", hf.LOOP_KINDS)
def test_self_referencing_pdf_is_corrupt_not_a_hang(kind: str) -> None:
    with limits.use_limits(limits.Limits(timeout=20)), pytest.raises(errors.CorruptFileError):
        read(hf.loop_pdf(kind), name=f"loop-{kind}.pdf")


def test_a_parser_loop_is_stopped_by_the_time_budget() -> None:
    with pytest.raises(errors.FileTimeoutError, match="time budget of 0.3 s"):
        with limits.file_budget("x.pdf", 0.3):
            while True:
                try:
                    sum(range(1000))
                except Exception:  # noqa: BLE001, S112  (a library swallowing errors cannot swallow the budget)
                    continue


def test_memory_error_becomes_a_typed_error() -> None:
    with pytest.raises(errors.TooLargeError):
        with limits.file_budget("big.txt", 0):
            raise MemoryError


def test_a_fifo_is_refused_without_opening(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(errors.NotARegularFileError, match="named pipe"):
        read(fifo)


def test_docx_bomb_is_refused_before_inflating() -> None:
    with pytest.raises(errors.TooLargeError, match="ZIP bomb"):
        read(hf.docx_bomb(8), name="bomb.docx")


def test_missing_file_name_is_not_text() -> None:
    with pytest.raises(errors.InputError, match="No such file"):
        read("report_2021")


def test_second_run_on_the_same_out_fails_at_once(tmp_path: Path) -> None:
    with outdir.claim(tmp_path / "out"), pytest.raises(errors.OutputLockedError):
        outdir.claim(tmp_path / "out")


def test_a_users_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "documents.jsonl").write_text("mine\n")
    with pytest.raises(errors.OutputError, match="not empty"):
        outdir.claim(tmp_path)
    assert (tmp_path / "documents.jsonl").read_text() == "mine\n"


def test_load_refuses_a_table_with_dropped_rows(tmp_path: Path) -> None:
    rows = empty_rows()
    rows["errors"] = [{"doc_id": "a", "path": "a.txt", "error": "X", "message": "m"}] * 2
    written = xio.write_tables(rows, tmp_path, format="jsonl")
    xio.write_manifest(tmp_path, {"format": "jsonl", "complete": True,
                                  "tables": {n: {"file": p.name, "rows": len(rows[n])} for n, p in written.items()}})
    (tmp_path / "errors.jsonl").write_text((tmp_path / "errors.jsonl").read_text().splitlines()[0] + "\n")
    with pytest.raises(errors.ResultsError, match="errors.jsonl"):
        xxgk.load(tmp_path)
    (tmp_path / "manifest.json").write_bytes(b"\xff\x00garbage")
    with pytest.raises(errors.ResultsError, match="manifest.json"):
        xxgk.load(tmp_path)


def test_the_pdfminer_guard_is_active_only_during_a_read() -> None:
    from pdfminer.pdftypes import PDFObjRef

    from xxgk.readers import _safety

    original = PDFObjRef.resolve
    assert original is not _safety._guarded_resolve
    seen_inside = []
    with _safety.pdfminer_guard():
        seen_inside.append(PDFObjRef.resolve)
        with _safety.pdfminer_guard():  # reentrant: the inner block does not restore it early
            pass
        seen_inside.append(PDFObjRef.resolve)
    assert seen_inside == [_safety._guarded_resolve] * 2
    assert PDFObjRef.resolve is original
    with pytest.raises(errors.CorruptFileError):
        read(hf.loop_pdf("Length"), name="loop.pdf")
    assert PDFObjRef.resolve is original  # restored after a read that failed, too


def test_the_pdfminer_guard_leaves_other_threads_alone() -> None:
    import threading

    from pdfminer.pdftypes import PDFObjRef

    from xxgk.readers import _safety

    class Doc:  # pdfminer's document interface: getobj(objid)
        def getobj(self, objid):
            return PDFObjRef(self, objid)  # every object is a reference to itself

    ref = PDFObjRef(Doc(), 6)
    other: list = []
    with _safety.pdfminer_guard():
        with pytest.raises(_safety.PDFReferenceLoop):
            ref.resolve()
        t = threading.Thread(target=lambda: other.append(ref.resolve()))  # pdfminer's own method: one step
        t.start()
        t.join()
    assert isinstance(other[0], PDFObjRef)
