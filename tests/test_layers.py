"""The import layers of ARCHITECTURE.md: no module imports from a layer above its own.

Every module of the package is parsed (not imported) and every import in it
counts: at the top, inside functions, under ``if TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "xxgk"

#: Lowest first, as in ARCHITECTURE.md. A module may import from its own layer and the ones below.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("spec", ("xxgk.errors", "xxgk.spec", "xxgk.serial", "xxgk.document")),
    ("limits", ("xxgk.limits", "xxgk.inputs")),
    ("text", ("xxgk.normalize", "xxgk.sentences", "xxgk.extract.cells")),
    ("readers", ("xxgk.readers", "xxgk.ocr")),
    ("meta", ("xxgk.meta",)),
    ("extract", ("xxgk.extract",)),
    ("tablefind", ("xxgk.tablefind", "xxgk.tablecells")),
    ("reading", ("xxgk.reading",)),
    ("validate", ("xxgk.validate",)),
    ("ocr review", ("xxgk.ocr.digits",)),
    ("gold", ("xxgk.gold",)),
    ("rules", ("xxgk.segment", "xxgk.tag")),
    ("pipeline", ("xxgk.pipeline",)),
    ("training data", ("xxgk.align", "xxgk.perturb")),
    ("systems", ("xxgk.systems", "xxgk.baseline", "xxgk.neural")),
    ("report", ("xxgk.report",)),
    ("api", ("xxgk.api", "xxgk.spacy")),
    ("tidy", ("xxgk.tidy", "xxgk.outdir", "xxgk.io")),
    ("view", ("xxgk.view",)),
    ("batch", ("xxgk.batch", "xxgk.batch_ray")),
    ("evaluate", ("xxgk.evaluate",)),
    ("research", ("xxgk.research",)),
    ("cli", ("xxgk.cli", "xxgk.__main__", "xxgk")),
)

#: ``from xxgk import __version__``: a constant the package sets before it imports anything.
_ALLOWED_FROM_ROOT = {"__version__"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    base = PACKAGE.parent / name.replace(".", "/")
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _imports(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every xxgk module ``path`` imports, relative imports resolved."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "xxgk"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "xxgk":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if _is_module(sub):
                    out.append((node.lineno, sub))
                elif not (target == "xxgk" and alias.name in _ALLOWED_FROM_ROOT):
                    out.append((node.lineno, target))
    return out


def _layer(module: str) -> int | None:
    """The index of the layer ``module`` belongs to (the longest matching prefix), or None."""
    best: tuple[int, int] | None = None
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if module == p or module.startswith(p + "."):
                if best is None or len(p) > best[1]:
                    best = (i, len(p))
    return None if best is None else best[0]


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer():
    missing = [_module_name(p) for p in MODULES if _layer(_module_name(p)) is None]
    assert not missing, f"put these modules in a layer (tests/test_layers.py and ARCHITECTURE.md): {missing}"


@pytest.mark.parametrize("path", MODULES, ids=[_module_name(p) for p in MODULES])
def test_no_import_from_a_higher_layer(path):
    name = _module_name(path)
    own = _layer(name)
    assert own is not None
    upward = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {target} ({LAYERS[_layer(target)][0]}) "  # type: ignore[index]
        f"from layer {LAYERS[own][0]}"
        for line, target in _imports(path)
        if _layer(target) is not None and _layer(target) > own  # type: ignore[operator]
    ]
    assert not upward, "\n".join(upward)


def test_readers_do_not_import_extractors():
    for path in (PACKAGE / "readers").rglob("*.py"):
        assert not [t for _, t in _imports(path) if t.startswith("xxgk.extract")], path


def test_the_walker_sees_imports_inside_functions():
    # the walker itself: an import inside a function, a relative one, and a submodule named in `from . import`
    probe = PACKAGE / "readers" / "text.py"
    found = {t for _, t in _imports(probe)}
    assert "xxgk.normalize" in found  # `from ..normalize import to_simplified` inside a function
    assert "xxgk.readers.garble" in found
    assert _layer("xxgk.extract.templates") > _layer("xxgk.readers.text")  # type: ignore[operator]
