"""Chapter 12's explorer, driven without a browser."""
import pytest

from course_lib import quiz_bank, review
from course_lib import widgets_review as wr

pytest.importorskip("ipywidgets")


def test_topic_change_updates_the_panel():
    ex = wr.topic_explorer("adaptive")
    before = ex.panel.value
    assert "001 Q1" in before and "q04-adam-first-step" in before
    ex.topic.value = "clipping and accumulation"
    after = ex.panel.value
    assert after != before and "001 Q6" in after and "001 Q1" not in after
    for q in quiz_bank.questions(topic="clipping and accumulation"):
        assert q.id in after
    anchor = review.section_of(review.REVIEW_NOTEBOOK, "q-accumulation-check").anchor
    assert f'href="#{anchor}"' in after


def test_every_topic_renders_and_links_only_inside_the_page():
    for t in wr.topics():
        html = wr.topic_explorer(t).panel.value
        assert t in html.replace("&amp;", "&")
        assert ".ipynb" not in html                 # site-safe: only in-page anchors


def test_unknown_topic_is_rejected():
    with pytest.raises(ValueError, match="'topic' parameter of topic_explorer.*'nope'"):
        wr.topic_explorer("nope")
    with pytest.raises(ValueError, match="'topic' parameter of topic_summary"):
        wr.topic_summary("nope")
