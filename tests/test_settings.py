"""The settings tree: Options composes each stage's settings, validates once, and reaches the stages."""

from __future__ import annotations

from dataclasses import replace

import pytest

from newsfuse.attribute import AttributionSettings
from newsfuse.compare import ComparisonSettings
from newsfuse.errors import OptionError, UnknownNameError
from newsfuse.ingest import read_paths
from newsfuse.pipeline import summarize_story
from newsfuse.select.learned import LearnedSelector, LearnedSettings
from newsfuse.settings import Options


def test_options_refuse_unknown_selectors_and_lengths():
    with pytest.raises(UnknownNameError, match="choose one of"):
        Options(selector="nosuch")
    with pytest.raises(OptionError):
        Options(words=3)
    with pytest.raises(ValueError):  # the newsfuse errors stay ValueErrors for callers
        Options(words=True)


def test_defaults_are_the_calibrated_ones():
    options = Options()
    assert options.attribution.same_content == 0.45 and options.comparison.same_fact == 0.25
    assert options.learned is None  # the model file's packing settings
    assert LearnedSelector.load().settings == LearnedSettings()


def test_stage_settings_reach_the_stages(example_paths):
    story = read_paths(example_paths).all_stories()[0]
    default = summarize_story(story, Options(compare=True))
    strict = summarize_story(
        story,
        Options(
            compare=True,
            attribution=AttributionSettings(same_content=0.99),
            comparison=ComparisonSettings(same_fact=0.99),
        ),
    )
    assert sum(len(s.sources) for s in strict.sentences) < sum(len(s.sources) for s in default.sentences)
    assert all(f.status != "corroborated" for f in strict.comparison.facts if len(f.sources) == 1)
    corroborated = [f for f in strict.comparison.facts if f.status == "corroborated"]
    assert len(corroborated) < len([f for f in default.comparison.facts if f.status == "corroborated"])


def test_learned_settings_from_options_change_the_packing(example_paths):
    story = read_paths(example_paths).all_stories()[0]
    loose = replace(LearnedSettings(), trigram_block=False, min_words=1, max_words=500)
    one = summarize_story(story, Options(words=200, selector="learned"))
    other = summarize_story(story, Options(words=200, selector="learned", learned=replace(loose, mmr=5.0)))
    assert [s.text for s in one.sentences] != [s.text for s in other.sentences]
