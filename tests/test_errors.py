"""The exception tree: what each error also is, how it reads, that it pickles, and who raises it."""

from __future__ import annotations

import pickle

import pytest

import newsfuse
from newsfuse import errors
from newsfuse.errors import (
    EmptyStoryError,
    InputError,
    LocatedError,
    ModelError,
    NewsfuseError,
    NotFoundError,
    OptionError,
    StoreError,
    UnknownNameError,
)
from newsfuse.model import Article, Story
from newsfuse.render import render
from newsfuse.select import get_selector
from newsfuse.settings import Options
from newsfuse.store import SqliteIndex, Store


def test_every_error_is_a_newsfuse_error():
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), NewsfuseError)
        assert getattr(newsfuse, name) is getattr(errors, name)  # exported at the top level too


def test_tree():
    assert issubclass(InputError, LocatedError) and issubclass(StoreError, LocatedError)
    assert issubclass(EmptyStoryError, InputError)
    assert not issubclass(LocatedError, (ValueError, KeyError))
    assert not issubclass(ModelError, LocatedError)
    assert issubclass(UnknownNameError, OptionError)


def test_store_error_lives_in_errors_and_is_still_importable_from_store():
    from newsfuse.store import StoreError as FromStore

    assert FromStore is StoreError is newsfuse.StoreError


def test_unknown_name_is_a_value_error():
    error = UnknownNameError("unknown selector 'x'; choose one of lead")
    assert isinstance(error, ValueError) and isinstance(error, OptionError)
    assert str(error) == "unknown selector 'x'; choose one of lead"
    assert isinstance(OptionError("words must be between 10 and 5000, got 3"), ValueError)


def test_not_found_is_a_key_error_that_reads_plainly():
    error = NotFoundError("no story 7")
    assert isinstance(error, KeyError) and isinstance(error, LookupError)
    assert str(error) == "no story 7"  # KeyError's own str would be "'no story 7'"
    assert repr(error) == "NotFoundError('no story 7')"
    with pytest.raises(KeyError):
        raise error


@pytest.mark.parametrize("cls", [LocatedError, InputError, EmptyStoryError, StoreError])
def test_located_errors_pickle(cls):
    error = cls("a.jsonl:3", "field 'text' is missing or empty")
    assert str(error) == "a.jsonl:3: field 'text' is missing or empty"
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is cls
    assert (back.where, back.reason, str(back)) == (error.where, error.reason, str(error))


@pytest.mark.parametrize("cls", [ModelError, OptionError, UnknownNameError, NotFoundError])
def test_message_errors_pickle(cls):
    back = pickle.loads(pickle.dumps(cls("no story 3")))
    assert type(back) is cls and str(back) == "no story 3"


def test_unknown_selector_and_format():
    with pytest.raises(UnknownNameError, match="unknown selector 'nope'; choose one of .*lead"):
        get_selector("nope")
    story = Story([Article("The council met on Monday. It voted to build a bridge.")], id="s")
    summary = newsfuse.summarize_story(story, Options(words=20))
    with pytest.raises(UnknownNameError, match="unknown format 'pdf'"):
        render(summary, story, fmt="pdf")


def test_words_out_of_range():
    with pytest.raises(OptionError, match="between 10 and 5000"):
        Options(words=5)
    with pytest.raises(ValueError):  # what callers caught before
        Options(words=6000)


def test_missing_story_raises_not_found(tmp_path):
    with Store(tmp_path / "s.db") as store:
        for lookup in (store.info, store.story, store.summary, SqliteIndex(store.db).get):
            with pytest.raises(NotFoundError, match="^no story 42$"):
                lookup(42)
        with pytest.raises(KeyError):  # what callers caught before
            store.info(42)
