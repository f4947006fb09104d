"""The review chapter's tables: interview questions -> evidence, the optimizer map, links.

Chapter 12 answers every interview question of the seeds and links each answer to the
notebook section that demonstrates it. The links are **data** here, not prose in the
notebook, so that they can be updated in one place when a chapter is added:

* :data:`INTERVIEW`: one :class:`Answer` per interview question (seed, question as the
  seed words it, topic, verdict on the seed's answer, the evidence cells, the
  corrections that cover it, and ``later``: the chapter whose section should also be
  linked once that chapter exists);
* :data:`OPTIMIZER_MAP`: which optimizer for which situation, each row with the cells
  that measure it;
* :func:`section_of` / :func:`link`: the heading above a cell and a markdown link to it
  (``05_adamw.ipynb#3-in-adam-they-differ-coordinate-by-coordinate``), the GitHub-style
  heading anchors that the site (myst-parser, ``myst_heading_anchors``) follows;
* :func:`seed_questions`: every interview question found in the seeds, to check that
  :data:`INTERVIEW` answers all of them.

Reference: GitHub-style heading slugs as myst-parser documents them
(https://myst-parser.readthedocs.io/en/latest/syntax/optional.html#auto-generated-header-anchors).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .paths import NOTEBOOKS, REPO_ROOT

__all__ = ["Answer", "Evidence", "MapRow", "Section", "INTERVIEW", "OPTIMIZER_MAP", "TOPICS",
           "heading_slug", "plain_title", "section_of", "link", "evidence_markdown", "seed_questions",
           "answer", "pending_links", "map_markdown", "REVIEW_NOTEBOOK"]

REVIEW_NOTEBOOK = "12_review.ipynb"
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SLUG_DROP = re.compile(r"[^\w\- ]")
_MATH = re.compile(r"\$([^$]*)\$")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


@dataclass(frozen=True)
class Evidence:
    """A code cell that demonstrates a claim: ``notebook`` file name and cell ``id``."""

    notebook: str
    cell: str


@dataclass(frozen=True)
class Answer:
    """One interview question of a seed and where the course answers it.

    ``verdict`` judges the seed's own answer: ``"right"``, ``"loose"`` (true only with a
    missing condition) or ``"wrong"`` (false in a part); ``corrections`` are the ids of
    the ``corrections.toml`` entries that fix it; ``answer_cell`` is the cell of
    ``12_review.ipynb`` that gives our answer; ``later`` names chapters whose sections
    should be linked too once they exist (empty now that chapters 01-11 are merged).
    """

    key: str
    seed: str
    question: str
    topic: str
    verdict: str
    answer_cell: str
    evidence: tuple[Evidence, ...]
    corrections: tuple[str, ...] = ()
    later: tuple[str, ...] = ()


@dataclass(frozen=True)
class MapRow:
    """One line of "which optimizer for which situation" and the cells that measure it."""

    situation: str
    choice: str
    measured: str          # a template filled from the review notebook's measurements
    evidence: tuple[Evidence, ...]
    topic: str
    later: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """The heading a cell sits under: its text, its level and its anchor."""

    title: str
    level: int
    anchor: str


E = Evidence
S000, S001 = "000_e7578c87b9ced0d4.txt", "001_41a420d567029da9.txt"
NB01, NB02, NB03 = "01_gradient_descent.ipynb", "02_convexity.ipynb", "03_momentum.ipynb"
NB04, NB05, NB08 = "04_adaptive_methods.ipynb", "05_adamw.ipynb", "08_lagrange_kkt.ipynb"
NB06, NB07 = "06_schedules.ipynb", "07_clipping_and_accumulation.ipynb"
NB09, NB10 = "09_second_order.ipynb", "10_loss_landscapes.ipynb"
NB11 = "11_training_in_practice.ipynb"
NB12 = REVIEW_NOTEBOOK

INTERVIEW: tuple[Answer, ...] = (
    Answer("001 Q1", S001,
           "Why does Adam converge faster than SGD in practice but sometimes generalize worse?",
           "adaptive", "wrong", "q-adam-noise-check",
           (E(NB12, "q-adam-noise-check"), E(NB04, "effective-check"), E(NB04, "ill-check"),
            E(NB05, "digits-check"), E(NB10, "flat-sharp-check"), E(NB10, "rescale-check")),
           ("ch12-adam-noisy-gradients-small-steps", "ch10-sharp-minima-generalize")),
    Answer("001 Q2", S001,
           "What is the difference between L2 regularization and weight decay in Adam?",
           "weight decay", "loose", "q-l2-check",
           (E(NB05, "sgd-equivalence-check"), E(NB05, "adam-per-coordinate"),
            E(NB05, "torch-flag-check"), E(NB05, "digits-check")),
           ("ch05-l2-equals-decay-for-sgd", "ch05-adamw-generalizes-better")),
    Answer("001 Q3", S001,
           "Explain the learning rate warmup heuristic. Why is it particularly important for "
           "transformers?",
           "schedules", "wrong", "q-warmup-check",
           (E(NB12, "q-warmup-check"), E(NB04, "bias-check"), E(NB06, "adam-first-step-check"),
            E(NB06, "seed000-gradients-check")),
           ("ch06-adam-first-step-not-enormous", "ch06-early-gradients-not-huge")),
    Answer("001 Q4",
           S001, "What happens at a saddle point and why doesn't it stop deep learning training?",
           "saddle points", "loose", "q-saddle-check",
           (E(NB02, "saddle-stall-check"), E(NB02, "saddle-noise-check"),
            E(NB02, "saddle-fraction-check"), E(NB10, "sharpness-check")),
           ("ch02-saddle-not-stuck", "ch02-half-power-d")),
    Answer("001 Q5", S001, "How would you debug a training run where the loss isn't decreasing?",
           "training", "right", "q-debug-check",
           (E(NB12, "q-debug-check"), E(NB01, "lr-threshold-check"), E(NB11, "initial-loss-check"),
            E(NB11, "overfit-check"), E(NB11, "gradcheck-check"), E(NB11, "hyper-check"))),
    Answer("001 Q6", S001, "What is gradient accumulation and when would you use it?",
           "clipping and accumulation", "loose", "q-accumulation-check",
           (E(NB12, "q-accumulation-check"), E(NB07, "accum-leftover-check"), E(NB07, "bn-check")),
           ("ch12-accumulation-divide-by-k", "ch07-accumulation-loop-leftover")),
    Answer("000 Q1", S000, "Why don't we use L-BFGS for training Transformers?",
           "second-order", "loose", "q-lbfgs-check",
           (E(NB12, "q-lbfgs-check"), E(NB12, "q-lbfgs-noise-check"), E(NB04, "memory-check"),
            E(NB09, "q1-memory-check"), E(NB09, "q1-noise-check"), E(NB09, "q1-cost-check"),
            E(NB09, "q1-saddle-check")),
           ("ch09-quasi-newton-not-attracted-to-saddles", "ch09-lbfgs-uses-no-hvps")),
    Answer("000 Q2", S000, "Explain Momentum physically.",
           "momentum", "loose", "q-momentum-check",
           (E(NB03, "physics-check"), E(NB03, "rates-check")),
           ("ch03-momentum-physics-friction",)),
    Answer("000 Q3", S000, 'What is the "Learning Rate Warmup"?',
           "schedules", "loose", "q-warmup-check",
           (E(NB12, "q-warmup-check"), E(NB01, "lr-threshold-check"),
            E(NB06, "seed000-gradients-check"), E(NB06, "adam-first-step-check")),
           ("ch06-early-gradients-not-huge",)),
)

OPTIMIZER_MAP: tuple[MapRow, ...] = (
    MapRow("full batch, smooth, ill-conditioned (a quadratic with kappa = 100)",
           "heavy-ball momentum tuned from (mu, L); L-BFGS if a line search is affordable",
           "steps to 1e-4: GD {gd_steps}, heavy ball {hb_steps}, L-BFGS {lbfgs_iters} iterations",
           (E(NB12, "map-runs"), E(NB01, "adaptive-momentum-check"), E(NB03, "rates-check"),
            E(NB09, "lbfgs-check")),
           "momentum"),
    MapRow("coordinates on very different scales, axis-aligned",
           "Adam / RMSprop (per-coordinate steps); not when the ill-conditioning is rotated",
           "gradients 150x apart, Adam's steps {step_ratio:.3f}x apart",
           (E(NB12, "map-runs"), E(NB04, "effective-check"), E(NB04, "ill-check")), "adaptive"),
    MapRow("minibatch (noisy) gradients, convex",
           "SGD with a decreasing step (a schedule); a constant step stalls at a noise floor",
           "floor of the constant-step bound x{floor_ratio:.1f} when lr doubles",
           (E(NB12, "map-runs"), E(NB01, "sgd-floor-check"), E(NB01, "sgd-decreasing-check"),
            E(NB06, "compare-check")),
           "sgd"),
    MapRow("regularizing with an adaptive method",
           "AdamW (decoupled decay), not Adam with weight_decay (L2)",
           "flat coordinate (curvature 0.1): Adam+L2 settles at {adam_l2_flat:.3f}, "
           "AdamW at {adamw_flat:.3f}",
           (E(NB12, "map-runs"), E(NB05, "adam-per-coordinate")), "weight decay"),
    MapRow("memory-bound (large models)",
           "SGD (no state) or momentum (1 slot); Adam keeps 2 slots, Adafactor factors them",
           "state bytes per float32 parameter: SGD {mem_sgd}, momentum {mem_momentum}, "
           "Adam {mem_adam}",
           (E(NB12, "map-runs"), E(NB04, "memory-check")), "adaptive"),
    MapRow("rare huge gradients (exploding)",
           "clip the global norm before the step",
           "a 1000x gradient spike moves the weights {spike_unclipped:.0f} unclipped, "
           "{spike_clipped:.2f} clipped to norm 1",
           (E(NB12, "map-runs"), E(NB07, "seed000-edge-check"), E(NB07, "adam-spike-check")),
           "clipping and accumulation"),
    MapRow("constraints (a ball, a simplex)",
           "projected gradient; augmented Lagrangian for general constraints",
           "measured in chapter 08",
           (E(NB08, "projections-check"), E(NB08, "al-check")), "constraints"),
    MapRow("sparse gradients (embeddings)",
           "SparseAdam: only the looked-up rows move",
           "measured in chapter 04",
           (E(NB04, "sparse-check"),), "adaptive"),
    MapRow("non-convex with saddles",
           "noisy first-order methods (SGD); pure Newton is attracted to saddles",
           "Newton lands on a saddle of Himmelblau's function, L-BFGS goes downhill "
           "(f = {lbfgs_f:.1e})",
           (E(NB12, "q-lbfgs-check"), E(NB02, "saddle-noise-check"), E(NB09, "q1-saddle-check"),
            E(NB09, "local-max-check")),
           "saddle points"),
)


# --------------------------------------------------------------------------- anchors

def heading_slug(title: str) -> str:
    """GitHub-style anchor of a markdown heading, as myst-parser makes it.

    ``slug = lower(title)`` with spaces turned into ``-`` and every character that is
    not a word character, ``-`` or a space removed. Inline math (``$...$``) is not text
    for the slug: it is removed with its content, spaces around it kept.

    Examples
    --------
    >>> heading_slug("3. In Adam they differ, coordinate by coordinate")
    '3-in-adam-they-differ-coordinate-by-coordinate'
    >>> heading_slug("5.1 The threshold $2/L$")
    '51-the-threshold-'
    >>> heading_slug("See [torch](https://pytorch.org)")
    'see-torch'
    """
    text = _LINK.sub(r"\1", _MATH.sub("", title))       # a link's text only, as rendered
    return _SLUG_DROP.sub("", text.lower().replace(" ", "-"))


_TEX = {r"\mu": "μ", r"\lambda": "λ", r"\eta": "η", r"\kappa": "κ", r"\times": "×",
        r"\sqrt": "√", r"\beta": "β", r"\text": "", r"\lVert": "‖", r"\rVert": "‖"}


def plain_title(title: str) -> str:
    r"""A heading as plain text for a link label: inline math without ``$``, braces and
    the common TeX commands (``\mu`` -> ``μ``).

    Examples
    --------
    >>> plain_title(r"plain SGD, with $\mu = \lambda_{\text{step}}/\eta$")
    'plain SGD, with μ = λ_step/η'
    """
    def plain(m):
        t = m.group(1)
        for tex, uni in _TEX.items():
            t = re.sub(re.escape(tex) + r"(?![a-zA-Z])", uni, t)
        return t.replace("{", "").replace("}", "").replace("\\", "")
    return _MATH.sub(plain, title)


@lru_cache(maxsize=None)
def _cells(path: str, mtime: float) -> tuple:
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for c in nb.get("cells", []):
        src = c.get("source", "")
        out.append((c.get("id"), c.get("cell_type"), "".join(src) if isinstance(src, list) else src))
    return tuple(out)


def _headings(source: str):
    fenced = False
    for line in source.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        m = None if fenced else _HEADING.match(line)
        if m:
            yield len(m.group(1)), m.group(2)


def section_of(notebook: str, cell: str, *, notebooks_dir=None) -> Section:
    """The section a cell belongs to: the nearest heading at or above it.

    Parameters
    ----------
    notebook : str
        File name in ``notebooks/`` (``"05_adamw.ipynb"``).
    cell : str
        nbformat cell id. A markdown cell that holds a heading is its own section.
    notebooks_dir : path, optional
        Default ``course_lib.paths.NOTEBOOKS``.

    Raises
    ------
    ValueError
        If the notebook or the cell does not exist, or no heading precedes the cell.
    """
    folder = Path(NOTEBOOKS if notebooks_dir is None else notebooks_dir)
    path = folder / notebook
    if not path.is_file():
        raise ValueError(f"The 'notebook' parameter of section_of must name a notebook in "
                         f"{folder}. Got {notebook!r} instead.")
    cells = _cells(str(path), path.stat().st_mtime)
    ids = [c[0] for c in cells]
    if cell not in ids:
        raise ValueError(f"The 'cell' parameter of section_of must be a cell id of {notebook}. "
                         f"Got {cell!r} instead.")
    here = ids.index(cell)
    for cid, kind, src in reversed(cells[:here + 1]):
        if kind == "markdown":
            found = list(_headings(src))
            if found:
                level, title = found[0] if cid == cell else found[-1]
                return Section(title, level, heading_slug(title))
    raise ValueError(f"section_of: no heading above cell {cell!r} in {notebook}")


def link(ev: Evidence, text: str | None = None, *, notebooks_dir=None) -> str:
    """Markdown link from ``notebooks/`` to the section of ``ev``'s cell.

    ``[05 · 3. In Adam they differ, ...](05_adamw.ipynb#3-in-adam-...)`` (same notebook:
    ``#anchor`` only). Sections deeper than ``###`` get no anchor on the site
    (``myst_heading_anchors = 3``), so the link goes to the nearest ``###`` or higher.
    """
    folder = Path(NOTEBOOKS if notebooks_dir is None else notebooks_dir)
    sec = section_of(ev.notebook, ev.cell, notebooks_dir=folder)
    if sec.level > 3:
        cells = _cells(str(folder / ev.notebook), (folder / ev.notebook).stat().st_mtime)
        ids = [c[0] for c in cells]
        for cid, kind, src in reversed(cells[:ids.index(ev.cell)]):
            hs = [h for h in _headings(src) if h[0] <= 3] if kind == "markdown" else []
            if hs:
                sec = Section(hs[-1][1], hs[-1][0], heading_slug(hs[-1][1]))
                break
    label = text or f"{ev.notebook[:2]} · {plain_title(sec.title)}"
    target = "" if ev.notebook == REVIEW_NOTEBOOK else ev.notebook
    return f"[{label}]({target}#{sec.anchor})"


def answer(key: str) -> Answer:
    """The :class:`Answer` of interview question ``key`` (``"001 Q1"``)."""
    for a in INTERVIEW:
        if a.key == key:
            return a
    raise ValueError(f"The 'key' parameter of answer must be one of "
                     f"{[a.key for a in INTERVIEW]}. Got {key!r} instead.")


def evidence_markdown(key: str, *, notebooks_dir=None) -> str:
    """One markdown line: where the answer to ``key`` is demonstrated (cell ids included)."""
    a = answer(key)
    parts = [f"{link(ev, notebooks_dir=notebooks_dir)} (cell `{ev.cell}`)" for ev in a.evidence]
    line = f"**Evidence for {a.key}:** " + "; ".join(parts) + "."
    if a.corrections:
        line += " Corrections: " + ", ".join(f"`{c}`" for c in a.corrections) + "."
    return line


def map_markdown(measured: dict, *, notebooks_dir=None) -> str:
    """:data:`OPTIMIZER_MAP` as a markdown table, its templates filled from ``measured``.

    Parameters
    ----------
    measured : dict
        The numbers the templates of :attr:`MapRow.measured` name (``{gd_steps}``...),
        computed by chapter 12's cells.

    Raises
    ------
    ValueError
        If a template names a number that ``measured`` lacks.
    """
    out = ["| situation | choice | measured | evidence |", "|---|---|---|---|"]
    for row in OPTIMIZER_MAP:
        try:
            text = row.measured.format(**measured)
        except KeyError as exc:
            raise ValueError(f"The 'measured' parameter of map_markdown lacks {exc.args[0]!r}, "
                             f"which the row {row.situation!r} quotes.") from None
        links = "; ".join(link(ev, notebooks_dir=notebooks_dir) for ev in row.evidence)
        out.append(f"| {row.situation} | {row.choice} | {text} | {links} |")
    return "\n".join(out) + "\n"


def pending_links() -> dict[str, list[str]]:
    """Chapter -> the answers and map rows that should link into it once it is merged."""
    out: dict[str, list[str]] = {}
    for a in INTERVIEW:
        for ch in a.later:
            out.setdefault(ch, []).append(a.key)
    for row in OPTIMIZER_MAP:
        for ch in row.later:
            out.setdefault(ch, []).append(f"map: {row.situation}")
    return dict(sorted(out.items()))


def _topics() -> dict[str, tuple[str, ...]]:
    topics: dict[str, list[str]] = {}
    for a in INTERVIEW:
        topics.setdefault(a.topic, []).append(a.key)
    return {t: tuple(keys) for t, keys in sorted(topics.items())}


TOPICS = _topics()


# --------------------------------------------------------------------------- seeds

_SECTION = re.compile(r"^##\s+(?:\d+\.\s*)?(.*)$")
_QUESTION = re.compile(r"^###\s+(Q\d+):\s*(.*?)\s*$")


def seed_questions(seeds_dir=None) -> list[tuple[str, str, str]]:
    """Every interview question in the seeds: ``(seed file, "Qn", question)``.

    A question is a ``### Qn: ...`` heading inside a ``## ...`` section whose title
    contains "Interview" (seed 000 §4 "Tricky Interview Questions", seed 001 §13
    "Interview Questions and Answers").
    """
    folder = Path(REPO_ROOT.parent / "shared" / "seeds" if seeds_dir is None else seeds_dir)
    if not folder.is_dir():
        raise ValueError(f"The 'seeds_dir' parameter of seed_questions must be a folder. "
                         f"Got {str(folder)!r} instead.")
    found = []
    for path in sorted(folder.glob("*.txt")):
        in_interview, fenced = False, False
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.lstrip().startswith("```"):
                fenced = not fenced
            if fenced:
                continue
            sec = _SECTION.match(line)
            if sec and not line.startswith("###"):
                in_interview = "interview" in sec.group(1).lower()
            q = _QUESTION.match(line)
            if in_interview and q:
                found.append((path.name, q.group(1), q.group(2)))
    return found
