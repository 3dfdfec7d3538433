"""Gold files: every shared one loads and checks; broken ones fail with the file named and what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xxgk.errors import GoldFileError
from xxgk.gold import gold_files, iter_gold, load_gold
from xxgk.spec import SECTION_LABELS, TAGS


def test_every_shared_gold_file_loads(gold_dir):
    golds = list(iter_gold(gold_dir))
    assert len(golds) == len(list(gold_dir.glob("*.json")))
    for g in golds:
        assert g.source_path.is_file(), g.id
        assert set(g.section_labels) <= set(SECTION_LABELS)
        assert set(g.tags) <= set(TAGS)
        # the sentences run through the sections in the order the file lists them
        runs = [s for i, s in enumerate(g.section_labels) if i == 0 or g.section_labels[i - 1] != s]
        assert runs == g.section_sequence


def test_hangzhou_gold_as_written(gold_dir):
    # report-format.md section 5's own example
    g = load_gold(gold_dir / "hangzhou-emergency-2021.json")
    assert g.source == "corpus/000_hangzhou_emergency_2021.txt"
    assert g.section_sequence[0] == "preamble" and g.section_sequence[-1] == "other_matters"
    assert g.cells_in_source is True and g.template == "2021"
    assert set(g.tables) == {"active_disclosure", "applications", "review_litigation"}


def _write(folder: Path, name: str, data: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


GOOD = {
    "id": "t",
    "source": "corpus/t.txt",
    "meta": {"year": 2021},
    "sections": [{"label": "overview", "first_line": "一、总体情况"}],
    "sentences": [{"text": "一、总体情况", "tag": "other", "section": "overview"}],
}


@pytest.fixture
def layout(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "t.txt").write_text("一、总体情况\n", encoding="utf-8")
    return tmp_path


def test_source_resolves_against_the_parent_of_the_gold_folder(layout):
    path = _write(layout / "gold", "t.json", GOOD)
    assert load_gold(path).source_path == (layout / "corpus" / "t.txt")


def test_root_overrides_the_default(layout, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("g")
    path = _write(elsewhere / "gold", "t.json", GOOD)
    with pytest.raises(GoldFileError, match=r"t\.json: its source 'corpus/t\.txt' is not at .*--root"):
        load_gold(path)
    assert [g.id for g in iter_gold(elsewhere / "gold", root=layout)] == ["t"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sentences": [{"text": "x", "tag": "praise", "section": "overview"}]}, "unknown tag 'praise'"),
        ({"sentences": [{"text": "x", "tag": "other", "section": "intro"}]}, "unknown section 'intro'"),
        ({"sections": [{"label": "preamble", "first_line": "x"}]}, "sentences run through sections"),
        ({"sentences": []}, "'sentences' must be a non-empty list"),
        ({"id": ""}, "non-empty string 'id'"),
        ({"tables": {"staff": {}}}, "Unknown table 'staff'"),
        ({"tables": {"review_litigation": {"review": {"total": "3"}}}}, r"review_litigation\.review\.total must be a number"),
    ],
)
def test_bad_gold_files_name_the_file_and_the_problem(layout, change, message):
    path = _write(layout / "gold", "bad.json", {**GOOD, **change})
    with pytest.raises(GoldFileError, match=message) as info:
        load_gold(path)
    assert "bad.json" in str(info.value)


def test_not_json(layout):
    path = layout / "gold" / "x.json"
    path.parent.mkdir()
    path.write_text("{nope", encoding="utf-8")
    with pytest.raises(GoldFileError, match="Not valid UTF-8 JSON"):
        load_gold(path)


def test_empty_or_missing_folder(tmp_path):
    with pytest.raises(GoldFileError, match="holds no \\*.json"):
        gold_files(tmp_path)
    with pytest.raises(GoldFileError, match="is not a folder"):
        gold_files(tmp_path / "absent")
