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
