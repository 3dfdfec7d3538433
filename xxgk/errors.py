"""Every error and warning xxgk raises, in one place.

Each error names the file and says what to do next. Catch :class:`XxgkError`
to handle any of them; the batch command records ``type(err).__name__`` and
``str(err)`` for each failed input.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "XxgkError",
    "InputError",
    "EmptyFileError",
    "UnsupportedFormatError",
    "EncodingError",
    "ScannedPDFError",
    "OCRNotInstalledError",
    "OCRError",
    "GarbledTextError",
    "CorruptFileError",
    "EncryptedFileError",
    "NotAReportError",
    "NotAReportWarning",
    "BaseModelMissingError",
    "ModelError",
    "DeviceError",
    "NotFittedError",
    "GoldFileError",
    "MissingExtraError",
    "SchemaError",
    "FileTimeoutError",
    "TooLargeError",
    "NotARegularFileError",
    "OutsideInputError",
    "OutputError",
    "OutputLockedError",
    "ResultsError",
]


class XxgkError(Exception):
    """Base class of every error xxgk raises on purpose."""


class InputError(XxgkError):
    """A source that cannot be read as a report.

    Parameters
    ----------
    path : str
        The file (or ``"<bytes>"`` / ``"<text>"``) the error is about.
    problem : str
        What is wrong, in one sentence.
    hint : str, optional
        What the user can do about it.
    """

    def __init__(self, path: str, problem: str, hint: str = "") -> None:
        self.path = str(path)
        self.problem = problem
        self.hint = hint
        msg = f"{self.path}: {problem}"
        if hint:
            msg += f" {hint}"
        super().__init__(msg)

    def __reduce__(self) -> tuple[Any, ...]:  # keep errors picklable across worker processes
        return (type(self), (self.path, self.problem, self.hint))


class EmptyFileError(InputError):
    """The file has no bytes, or no text once decoded."""


class UnsupportedFormatError(InputError):
    """The bytes are not HTML, PDF, DOCX or text."""


class EncodingError(InputError):
    """Text bytes that decode in none of UTF-8, GB18030 or Big5."""


class ScannedPDFError(InputError):
    """A PDF whose pages are images: there is no text layer to read."""


class OCRNotInstalledError(ScannedPDFError):
    """A scan (image-only page or image file) that needs OCR, and the optional OCR stage is not installed.

    The hint names ``pip install 'xxgk[ocr]'``.
    """


class OCRError(InputError):
    """The OCR engine failed on a page, or an image file cannot be decoded."""


class GarbledTextError(InputError):
    """A text layer that decodes to mojibake (broken font encoding)."""


class CorruptFileError(InputError):
    """A truncated or otherwise damaged file."""


class EncryptedFileError(InputError):
    """A password-protected file."""


class NotAReportError(InputError):
    """Readable text with no sign of being an annual report (``strict=True``)."""


class NotAReportWarning(UserWarning):
    """Readable text with no sign of being an annual report (the default)."""


class BaseModelMissingError(XxgkError):
    """The m3e-small base weights are not in the xxgk cache."""

    def __init__(self, path: str) -> None:
        self.path = str(path)
        super().__init__(
            f"The base model m3e-small is not in {self.path}. "
            "Fetch it once with: xxgk models fetch-base "
            "(or `make fetch-base`), or run with --system rules."
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path,))


class ModelError(XxgkError):
    """Shipped model files that are missing, damaged or of another version."""


class DeviceError(XxgkError, RuntimeError):
    """A device asked for (``device="cuda"``, ``"cuda:1"``) that this machine or this torch build does not have."""


class NotFittedError(XxgkError):
    """A trainable system asked to predict before it was fitted (the message says how to fit it)."""


class GoldFileError(XxgkError):
    """A gold annotation file that does not follow the spec's format."""


class MissingExtraError(XxgkError, ImportError):
    """An optional feature whose packages are not installed (``pip install xxgk[extra]`` adds them).

    Parameters
    ----------
    feature : str
        What needs the package, e.g. ``"xxgk.load_dataset"``.
    package : str
        The package that is missing.
    extra : str
        The extra that installs it (``spacy``, ``hf``).
    """

    def __init__(self, feature: str, package: str, extra: str) -> None:
        self.feature, self.package, self.extra = feature, package, extra
        super().__init__(f"{feature} needs {package}, which is not installed. Install it with: "
                         f"pip install 'xxgk[{extra}]'", name=package)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.feature, self.package, self.extra))


class SchemaError(XxgkError, ValueError):
    """Serialised data (a Document's or a Report's JSON) that does not fit the schema of its type."""


# -- hostile or unlucky input and output (issue 15; see xxgk.limits, xxgk.inputs, xxgk.outdir) --


class FileTimeoutError(InputError):
    """Reading or analysing the file took longer than its time budget (``--timeout``); it was stopped."""


class TooLargeError(InputError):
    """The file, or what it inflates to, is past a size or memory cap (``--max-bytes``, ``--memory``)."""


class NotARegularFileError(InputError):
    """A FIFO, device, socket or folder where a file was expected: never opened."""


class OutsideInputError(InputError):
    """A symbolic link that leaves the input folders (followed only with ``--follow-symlinks``)."""


class OutputError(XxgkError):
    """The output folder cannot be written (full, read-only) or is not an xxgk run folder.

    Parameters
    ----------
    path : str
        The output folder or file.
    problem : str
        What is wrong.
    hint : str, optional
        What to do about it.
    """

    def __init__(self, path: str, problem: str, hint: str = "") -> None:
        self.path = str(path)
        self.problem = problem
        self.hint = hint
        super().__init__(f"{self.path}: {problem}" + (f" {hint}" if hint else ""))

    def __reduce__(self):
        return (type(self), (self.path, self.problem, self.hint))


class OutputLockedError(OutputError):
    """Another ``xxgk tag`` run holds the lock on this output folder."""


class ResultsError(OutputError):
    """An output folder whose manifest or tables are missing, damaged or disagree (``xxgk.load``)."""
