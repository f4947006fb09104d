"""The review chapter's explorer: pick a topic, see its questions and where the evidence is.

The first control is a topic selector; the panel below lists, for that topic, the
interview questions (each a link to its answer in chapter 12, which links on to the
evidence), the cells that demonstrate them (chapter, section, cell id), the quiz
questions and the rows of the optimizer map. Everything comes from the tables of
:mod:`course_lib.review` and :mod:`course_lib.quiz_bank`; nothing is computed here.
The links are anchors of chapter 12's own headings, so they work on the static site too.
"""
from __future__ import annotations

import html

from . import quiz_bank, review

__all__ = ["TopicExplorer", "topic_explorer", "topics", "topic_summary"]


def topics() -> list[str]:
    """Every topic of the interview answers, the quiz bank and the optimizer map, sorted."""
    found = {a.topic for a in review.INTERVIEW} | {q.topic for q in quiz_bank.BANK}
    found |= {row.topic for row in review.OPTIMIZER_MAP}
    return sorted(found)


def topic_summary(topic: str) -> dict:
    """What chapter 12 holds on ``topic``: interview keys, evidence, quiz ids, map rows.

    Returns
    -------
    dict with ``"answers"`` (list of (key, question, anchor of the answer in chapter 12)),
    ``"evidence"`` (list of (notebook, section title, cell id)), ``"quiz"`` (list of
    question ids) and ``"map"`` (list of situations).
    """
    if topic not in topics():
        raise ValueError(f"The 'topic' parameter of topic_summary must be one of {topics()}. "
                         f"Got {topic!r} instead.")
    answers = [a for a in review.INTERVIEW if a.topic == topic]
    rows = [r for r in review.OPTIMIZER_MAP if r.topic == topic]
    evidence = []
    for ev in [e for a in answers for e in a.evidence] + [e for r in rows for e in r.evidence]:
        item = (ev.notebook, review.section_of(ev.notebook, ev.cell).title, ev.cell)
        if item not in evidence:
            evidence.append(item)
    return {
        "answers": [(a.key, a.question,
                     review.section_of(review.REVIEW_NOTEBOOK, a.answer_cell).anchor)
                    for a in answers],
        "evidence": evidence,
        "quiz": [q.id for q in quiz_bank.questions(topic=topic)],
        "map": [r.situation for r in rows],
    }


def _html(topic: str) -> str:
    s = topic_summary(topic)
    esc = html.escape
    parts = [f"<h4>{esc(topic)}</h4>"]
    if s["answers"]:
        parts.append("<b>Interview questions</b><ul>" + "".join(
            f'<li><a href="#{esc(anchor)}">{esc(key)}</a>: {esc(q)}</li>'
            for key, q, anchor in s["answers"]) + "</ul>")
    if s["evidence"]:
        parts.append("<b>Evidence (chapter · section · cell)</b><ul>" + "".join(
            f"<li>{esc(nb[:2])} · {esc(review.plain_title(title))} · <code>{esc(cell)}</code></li>"
            for nb, title, cell in s["evidence"]) + "</ul>")
    if s["map"]:
        parts.append("<b>Optimizer map</b><ul>" + "".join(
            f"<li>{esc(m)}</li>" for m in s["map"]) + "</ul>")
    parts.append(f"<b>Quiz questions</b>: {len(s['quiz'])} "
                 f"({esc(', '.join(s['quiz'])) or 'none'})")
    return "".join(parts)


class TopicExplorer:
    """A topic selector (``.topic``, the first control) and the panel it fills (``.panel``)."""

    def __init__(self, topic: str | None = None):
        import ipywidgets as W

        names = topics()
        start = names[0] if topic is None else topic
        if start not in names:
            raise ValueError(f"The 'topic' parameter of topic_explorer must be one of {names}. "
                             f"Got {topic!r} instead.")
        self.topic = W.Dropdown(options=names, value=start, description="topic")
        self.panel = W.HTML(_html(start))
        self.topic.observe(lambda change: setattr(self.panel, "value", _html(change["new"])),
                           names="value")
        self.widget = W.VBox([self.topic, self.panel])

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)


def topic_explorer(topic: str | None = None) -> TopicExplorer:
    """The chapter 12 explorer; ``topic`` is the one shown first (default: the first)."""
    return TopicExplorer(topic)
