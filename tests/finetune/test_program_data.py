"""The program's data checks and label encoding, on datasets made here (no hub)."""

import pytest
from datasets import ClassLabel, Dataset, Features, Value

from finetune import program


def _settings(**overrides) -> program.Settings:
    raw = {"base_model": "acme/base", "dataset": "acme/reviews", "task": "text-classification",
           "output_repo": "alice/tuned", **overrides}  # fmt: skip
    return program.settings_from(raw)


def test_a_split_without_the_named_columns_is_refused_naming_them_and_the_ones_there_are():
    split = Dataset.from_dict({"sentence": ["good"], "stars": [5]}, split="train")

    with pytest.raises(program.BadInput) as caught:
        program.columns_check(split, _settings(columns={"input": "text"}))

    assert str(caught.value) == (
        "dataset acme/reviews (split train) has no column 'text', 'label' for "
        "text-classification; its columns are: sentence, stars"
    )


def test_plain_integer_labels_are_classes_by_value_not_ids():
    split = Dataset.from_dict({"stars": [5, 1, 3, 5]})

    names, label_id = program.label_encoding(split, "stars", per_token=False)

    assert names == ["1", "3", "5"]
    assert [label_id(v) for v in split["stars"]] == [2, 0, 1, 2]


def test_a_class_label_column_keeps_its_names_and_ids():
    features = Features(text=Value("string"), label=ClassLabel(names=["neg", "neutral", "pos"]))
    split = Dataset.from_dict({"text": ["a", "b"], "label": [2, 0]}, features)

    names, label_id = program.label_encoding(split, "label", per_token=False)

    assert names == ["neg", "neutral", "pos"]
    assert [label_id(v) for v in split["label"]] == [2, 0]


def _pairs() -> Dataset:
    return Dataset.from_dict(
        {"translation": [{"en": "good morning", "fr": "bonjour"}, {"en": "cat", "fr": "chat"}]},
        split="train",
    )


def test_a_nested_translation_column_gives_the_named_languages_as_input_and_label():
    settings = _settings(task="translation", source_lang="fr", target_lang="en")
    split = _pairs()

    program.columns_check(split, settings)

    assert settings.columns == {"input": "translation", "label": "translation"}
    assert program.texts(split[:], "input", settings) == ["bonjour", "chat"]
    assert program.texts(split[:], "label", settings) == ["good morning", "cat"]


def test_a_language_the_nested_column_lacks_is_refused_naming_the_ones_it_has():
    settings = _settings(task="translation", source_lang="en", target_lang="de")

    with pytest.raises(program.BadInput) as caught:
        program.columns_check(_pairs(), settings)

    assert str(caught.value) == (
        "dataset acme/reviews (split train): column 'translation' has no language 'de'; "
        "its languages are: en, fr"
    )
