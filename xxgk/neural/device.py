"""Where the model runs and in what precision: ``device`` and ``precision`` settings, resolved once.

``device``
    ``"auto"`` (the first GPU when torch sees one, else the CPU), ``"cpu"``,
    ``"cuda"`` or ``"cuda:N"``. Asking for a GPU that is not there raises
    :class:`~xxgk.errors.DeviceError` (never a silent fall back to the CPU).
``precision``
    ``"auto"``, ``"fp32"``, ``"bf16"`` or ``"fp16"``: the dtype the sentence
    encoder's matrix products run in (``torch.autocast``); the document
    layer, the heads and the CRF always run in float32. ``"auto"`` picks
    ``bf16`` on a GPU that supports it, ``fp16`` on an older GPU, and
    ``fp32`` on the CPU: there bf16 is opt-in (``"bf16"``, worth it only on a
    CPU with bfloat16 instructions, AVX512-BF16 or AMX), because in bf16 a
    sentence's confidence moves in the 4th decimal with the other sentences
    of its length bucket, so a resumed or Ray run would not repeat a single
    run exactly; sections and tags agree (see the README). ``"int8"`` (CPU
    only, opt-in) runs the encoder's linear layers with dynamically quantised
    int8 weights (``torch.ao.quantization.quantize_dynamic``): about twice as
    fast as fp32, at some cost in accuracy (see the README's figures).

Examples
--------
>>> resolve_device("cpu")
device(type='cpu')
>>> resolve_precision("fp32", resolve_device("cpu"))
'fp32'
>>> resolve_device("gpu")
Traceback (most recent call last):
...
ValueError: The 'device' parameter must be 'auto', 'cpu', 'cuda' or 'cuda:N'. Got 'gpu' instead.
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Any

from ..errors import DeviceError

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["DEVICES", "PRECISIONS", "check_device", "check_precision", "resolve_device", "resolve_precision",
           "cpu_has_bf16", "autocast", "describe"]

#: The spellings of ``device`` (``"cuda:N"`` also, for any N).
DEVICES = ("auto", "cpu", "cuda")
#: The values of ``precision``.
PRECISIONS = ("auto", "fp32", "bf16", "fp16", "int8")

_DEVICE_RE = re.compile(r"^(auto|cpu|cuda)(?::(\d+))?$")


def check_device(device: Any) -> str:
    """``device`` as a string when it is a valid spelling (whether or not the machine has it), else ValueError.

    Needs no torch (a ``torch.device`` is taken by its name).
    """
    if type(device).__name__ == "device" and type(device).__module__.startswith("torch"):
        device = str(device)
    m = _DEVICE_RE.match(device) if isinstance(device, str) else None
    if m is None or (m.group(2) is not None and m.group(1) != "cuda"):
        raise ValueError(f"The 'device' parameter must be 'auto', 'cpu', 'cuda' or 'cuda:N'. Got {device!r} instead.")
    return device


def check_precision(precision: Any) -> str:
    """``precision`` when it is one of :data:`PRECISIONS`, else ValueError."""
    if precision not in PRECISIONS:
        raise ValueError(f"The 'precision' parameter must be one of {list(PRECISIONS)}. Got {precision!r} instead.")
    return precision


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """The :class:`torch.device` that ``device`` names on this machine.

    Raises
    ------
    ValueError
        For a spelling that names no device.
    xxgk.errors.DeviceError
        For ``"cuda"``/``"cuda:N"`` when torch has no CUDA (a CPU-only build,
        no driver, no GPU) or has fewer than N + 1 GPUs.
    """
    import torch

    name = check_device(device)
    if name == "auto":
        return torch.device("cuda", torch.cuda.current_device()) if torch.cuda.is_available() else torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        build = "a CPU-only torch build" if torch.version.cuda is None else f"torch built for CUDA {torch.version.cuda}"
        raise DeviceError(f"The device {name!r} was asked for, but torch sees no CUDA GPU ({build}, "
                          f"torch {torch.__version__}). Use device='cpu' (--device cpu) or 'auto', or install "
                          "a CUDA build of torch on a machine with a GPU.")
    index = int(name.split(":")[1]) if ":" in name else torch.cuda.current_device()
    count = torch.cuda.device_count()
    if index >= count:
        raise DeviceError(f"The device {name!r} was asked for, but torch sees {count} GPU(s) (cuda:0 to cuda:{count - 1}).")
    return torch.device("cuda", index)


def cpu_has_bf16() -> bool:
    """True when the CPU has bfloat16 matrix instructions (AVX512-BF16 or AMX-BF16), so bf16 is faster than fp32."""
    import torch

    caps = getattr(torch.cpu, "get_capabilities", None)
    if callable(caps):
        try:
            found = caps()
            return bool(found.get("avx512_bf16") or found.get("amx_bf16"))
        except Exception:  # noqa: BLE001  (a private helper of torch: fall back to the flags)
            pass
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            flags = fh.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_precision(precision: str, device: torch.device) -> str:
    """``"fp32"``, ``"bf16"``, ``"fp16"`` or ``"int8"``: what ``precision`` means on ``device``.

    Raises
    ------
    ValueError
        For an unknown value, ``"fp16"`` on the CPU (no fast float16 there:
        use ``"bf16"``), or ``"int8"`` on a GPU (dynamic quantisation runs on
        the CPU only).
    """
    import torch

    check_precision(precision)
    if precision == "int8" and device.type != "cpu":
        raise ValueError(f"The 'precision' 'int8' runs on the CPU only; on {device} use 'bf16', 'fp16' or 'fp32'.")
    if device.type == "cuda":
        if precision == "auto":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return precision
    if precision == "auto":  # fp32: outputs do not depend on how the inputs were batched
        return "fp32"
    if precision == "fp16":
        raise ValueError("The 'precision' 'fp16' is for GPUs; on the CPU use 'bf16' or 'fp32'.")
    return precision


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager[Any]:
    """The ``torch.autocast`` context for a resolved ``precision`` (a no-op for ``"fp32"`` and ``"int8"``)."""
    import torch

    if precision in ("fp32", "int8"):
        return contextlib.nullcontext()
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    return torch.autocast(device_type=device.type, dtype=dtype)


def describe(device: torch.device) -> str:
    """A line naming the device: ``"cpu (AMD EPYC, 2 threads, bf16 instructions)"``, ``"cuda:0 (NVIDIA H100)"``."""
    import torch

    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    name = ""
    caps = getattr(torch.cpu, "get_capabilities", None)
    if callable(caps):
        with contextlib.suppress(Exception):
            name = str(caps().get("cpu_name") or "")
    bits = [b for b in (name, f"{torch.get_num_threads()} threads", "bf16 instructions" if cpu_has_bf16() else "") if b]
    return f"cpu ({', '.join(bits)})"
