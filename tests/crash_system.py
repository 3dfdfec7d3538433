"""A test system whose process dies on a sentence saying CRASH-HERE, as a native library might.

Shared by ``test_batch.py`` (forked workers) and ``test_ray_engine.py`` (Ray
actors, which get this module by value: see its ``ray_address`` fixture).
"""

from __future__ import annotations

import os


class CrashOnMarker:
    """A system whose process dies on a sentence saying CRASH-HERE, as a native library might."""

    name = "crash-test"

    def predict(self, docs):
        from xxgk.pipeline import Prediction

        out = []
        for d in docs:
            if any("CRASH-HERE" in t for t in d.texts):
                os._exit(3)
            out.append(Prediction(sections=["overview"] * len(d.texts), tags=["other"] * len(d.texts)))
        return out
