"""The quiz bank of chapter 12: every answer key (course_lib) against its oracle."""
import dataclasses
import json
import re

import numpy as np
import pytest

from course_lib import quiz_bank as qb


@pytest.mark.parametrize("q", qb.BANK, ids=[q.id for q in qb.BANK])
def test_every_key_matches_its_oracle(q):
    qb.verify(q)


def test_bank_size_kinds_and_unique_ids():
    assert len(qb.BANK) >= 30
    assert len({q.id for q in qb.BANK}) == len(qb.BANK)
    assert {q.kind for q in qb.BANK} == {"numeric", "choice"}
    assert len({q.chapter for q in qb.BANK}) >= 8
    for q in qb.BANK:
        assert re.fullmatch(r"q\d\d-[a-z0-9-]+", q.id) and q.id[1:3] == q.chapter
        if q.kind == "choice":
            assert len(q.options) >= 3 and len(set(q.options)) == len(q.options)


def test_a_wrong_key_fails_naming_the_question():
    q = qb.question("q06-cosine")
    bad = dataclasses.replace(q, key=lambda: 0.5)            # a typed-in, wrong key
    with pytest.raises(qb.QuizKeyError, match="'q06-cosine'.*does not match"):
        qb.verify(bad)
    wrong_choice = dataclasses.replace(qb.question("q02-classify"), key=lambda: 0)
    with pytest.raises(qb.QuizKeyError, match="'q02-classify'.*'minimum'"):
        qb.verify(wrong_choice)
    nan = dataclasses.replace(q, key=lambda: float("nan"))
    with pytest.raises(qb.QuizKeyError, match="'q06-cosine'"):
        qb.verify(nan)


def test_exact_questions_reject_any_difference():
    q = qb.question("q01-steps-1e4")
    assert q.rtol == 0
    with pytest.raises(qb.QuizKeyError, match="q01-steps-1e4"):
        qb.verify(dataclasses.replace(q, key=lambda: 462.0))


def test_jupyterquiz_dicts_mark_the_computed_key_correct():
    dicts = qb.to_jupyterquiz(qb.questions(chapter="06"))
    json.dumps(dicts)                                           # plain JSON, nothing to fetch
    by_text = {d["question"]: d for d in dicts}
    cos = by_text[qb.question("q06-cosine").text]
    assert cos["type"] == "numeric"
    value = [a for a in cos["answers"] if a.get("type") == "value"][0]
    assert value["correct"] and np.isclose(value["value"], 0.5 * (1 + np.cos(np.pi / 4)))
    lo, hi = [a for a in cos["answers"] if a.get("type") == "range"][0]["range"]
    assert lo < value["value"] < hi
    choice = by_text[qb.question("q06-zero-at-end").text]
    assert choice["type"] == "multiple_choice"
    correct = [a["answer"] for a in choice["answers"] if a["correct"]]
    assert correct == ["cosine annealing to 0"]


def test_bad_arguments_name_the_function():
    with pytest.raises(ValueError, match="'chapter' parameter of questions.*Got '13'"):
        qb.questions(chapter="13")
    with pytest.raises(ValueError, match="'qid' parameter of question.*Got 'nope'"):
        qb.question("nope")


def test_every_quiz_cell_opens_with_a_click_question():
    for chapters in (("01",), ("02", "03"), ("04", "05"), ("06", "07"), ("08", "09", "10", "11")):
        qs = qb.quiz_for(*chapters)
        assert qs[0].kind == "choice"
        assert [q.id for q in qs if q.kind == "numeric"] == [
            q.id for c in chapters for q in qb.questions(chapter=c) if q.kind == "numeric"]
    covered = {q.id for cs in (("01",), ("02", "03"), ("04", "05"), ("06", "07"), ("08", "09", "10", "11"))
               for q in qb.quiz_for(*cs)}
    assert covered == {q.id for q in qb.BANK}        # chapter 12's five quizzes show every question
