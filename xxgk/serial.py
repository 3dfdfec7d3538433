"""One serialisation base for xxgk's result types: strict, versioned, typed.

Every result type (:class:`~xxgk.document.Document` and its blocks,
:class:`~xxgk.report.Report`, the extracted tables, findings and checks) is a
dataclass that also derives from :class:`Serial`. :class:`Serial` writes the
dataclass to plain JSON-ready data and reads it back, driven by the fields'
type annotations:

- **strict**: a key that is not a field is refused, and so is a value of the
  wrong type; the error (:class:`~xxgk.errors.SchemaError`, a ``ValueError``)
  names the field, the type and where in the data it is
  (``Report.tables['applications'].rows['granted']['total'].status``);
- **versioned**: a class that sets ``__schema__`` has a ``schema_version``
  field, written first and checked on load (another major version is refused);
- **typed**: nested result types, ``list[X]``, ``dict[str, X]``, ``X | None``,
  ``Literal[...]`` and fixed-length tuples are built back into their types; a
  union of result types is told apart by their ``kind`` field.

Two class attributes shape the output: ``__omit_none__`` leaves out fields
that are ``None`` (a :class:`~xxgk.document.Provenance` writes only what it
knows) and ``__omit_default__`` names fields left out while they hold their
default.

    >>> from dataclasses import dataclass, field
    >>> @dataclass
    ... class Point(Serial):
    ...     x: int
    ...     tags: list[str] = field(default_factory=list)
    >>> Point.from_dict(Point(1, ["a"]).to_dict())
    Point(x=1, tags=['a'])
    >>> Point.from_dict({"x": 1, "colour": "red"})
    Traceback (most recent call last):
    ...
    xxgk.errors.SchemaError: Unknown field(s) for Point: ['colour']
    >>> Point.from_dict({"x": "1"})
    Traceback (most recent call last):
    ...
    xxgk.errors.SchemaError: Point.x: expected int, got str ('1')
"""

from __future__ import annotations

import dataclasses
import json
import types
from collections.abc import Mapping
from typing import Any, ClassVar, Literal, Self, Union, cast, get_args, get_origin, get_type_hints

from .errors import SchemaError

__all__ = ["Serial"]

_FIRST = ("schema_version", "kind")


class Serial:
    """Base of xxgk's serialisable dataclasses: ``to_dict``/``from_dict``/``to_json``/``from_json``."""

    #: Set by ``@dataclass`` on every subclass (declared here so that ``dataclasses.fields(self)`` type-checks).
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]
    #: The schema version of a versioned type (it then has a ``schema_version`` field); ``None`` when unversioned.
    __schema__: ClassVar[str | None] = None
    #: Leave out every field whose value is ``None``.
    __omit_none__: ClassVar[bool] = False
    #: Fields left out while they hold their default.
    __omit_default__: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict[str, Any]:
        """The object as plain data (dicts, lists, strings, numbers, ``None``), ready for :func:`json.dumps`."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None and self.__omit_none__:
                continue
            if f.name in self.__omit_default__ and value == f.default:
                continue
            out[f.name] = _dump(value)
        first = {k: out.pop(k) for k in _FIRST if k in out}
        return {**first, **out}

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON (``ensure_ascii=False`` unless given)."""
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build the object back from :meth:`to_dict`'s data.

        Raises
        ------
        xxgk.errors.SchemaError
            On an unknown or missing field, a value of the wrong type, or
            another major schema version.
        """
        return cast(Self, _load_object(cls, data, cls.__name__))

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        """Build the object back from :meth:`to_json`'s text."""
        return cls.from_dict(json.loads(text))


def _dump(value: Any) -> Any:
    if isinstance(value, Serial):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


def _type_name(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "")


def _load_object(cls: type[Any], data: Any, where: str) -> Any:
    if not isinstance(data, Mapping):
        raise SchemaError(f"{where}: expected an object for {cls.__name__}, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = set(data) - set(fields)
    if unknown:
        at = "" if where == cls.__name__ else f" (at {where})"
        raise SchemaError(f"Unknown field(s) for {cls.__name__}: {sorted(unknown)}{at}")
    schema = cls.__schema__
    if schema is not None:
        version = data.get("schema_version", schema)
        if not isinstance(version, str) or version.split(".")[0] != schema.split(".")[0]:
            raise SchemaError(f"{cls.__name__} schema {version} is not readable by this xxgk (schema {schema}).")
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for name, f in fields.items():
        if name in data:
            kwargs[name] = _load(hints[name], data[name], f"{where}.{name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise SchemaError(f"{where}: the field {name!r} ({_type_name(hints[name])}) of {cls.__name__} is missing")
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as err:
        raise SchemaError(f"{where}: {err}") from err


def _load(tp: Any, value: Any, where: str) -> Any:
    if tp is Any:
        return value
    if tp is None or tp is type(None):
        if value is not None:
            raise SchemaError(f"{where}: expected null, got {type(value).__name__}")
        return None
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        return _load_union(tp, value, where)
    if origin is Literal:
        if value not in get_args(tp):
            raise SchemaError(f"{where}: expected one of {list(get_args(tp))}, got {value!r}")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise SchemaError(f"{where}: expected a list, got {type(value).__name__}")
        (item,) = get_args(tp) or (Any,)
        return [_load(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is tuple:
        args = get_args(tp)
        if not isinstance(value, list | tuple):
            raise SchemaError(f"{where}: expected a list, got {type(value).__name__}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_load(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            raise SchemaError(f"{where}: expected {len(args)} items, got {len(value)}")
        return tuple(_load(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value)))
    if origin is dict:
        if not isinstance(value, Mapping):
            raise SchemaError(f"{where}: expected an object, got {type(value).__name__}")
        key_tp, val_tp = get_args(tp) or (Any, Any)
        return {_load(key_tp, k, f"{where} key"): _load(val_tp, v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(tp, type) and issubclass(tp, Serial):
        return _load_object(tp, value, where)
    if tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(tp, type):
        if isinstance(value, tp):
            return value
    else:  # an annotation this helper does not know: taken as is
        return value
    raise SchemaError(f"{where}: expected {_type_name(tp)}, got {type(value).__name__} ({value!r:.40})")


def _load_union(tp: Any, value: Any, where: str) -> Any:
    args = get_args(tp)
    if value is None:
        if type(None) in args:
            return None
        raise SchemaError(f"{where}: expected {_type_name(tp)}, got null")
    members = [a for a in args if a is not type(None)]
    kinds = {_kind(a): a for a in members if isinstance(a, type) and issubclass(a, Serial)}
    if kinds and len(kinds) == len(members) and None not in kinds:  # result types told apart by their kind
        kind = value.get("kind") if isinstance(value, Mapping) else None
        if kind not in kinds:
            raise SchemaError(f"Unknown kind {kind!r} at {where} (one of {sorted(kinds)})")
        return _load_object(kinds[kind], value, where)
    errors = []
    for member in members:
        try:
            return _load(member, value, where)
        except SchemaError as err:
            errors.append(err)
    if len(errors) == 1:
        raise errors[0]
    raise SchemaError(f"{where}: expected {_type_name(tp)}, got {type(value).__name__} ({value!r:.40})")


def _kind(cls: type) -> Any:
    for f in dataclasses.fields(cls):
        if f.name == "kind":
            return f.default if f.default is not dataclasses.MISSING else None
    return None
