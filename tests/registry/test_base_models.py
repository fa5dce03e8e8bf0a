"""`baseModels` as the Hub answers it: the card's `base_model` and the relation, stated by the
card or guessed as the Hub guesses it."""

from registry.selectors import model_base_models


def test_a_card_that_states_the_relation_is_taken_at_its_word():
    card = {"base_model": "alice/base", "base_model_relation": "quantized"}

    assert model_base_models(card=card, paths=[]) == {
        "relation": "quantized",
        "models": [{"id": "alice/base"}],
    }


def test_several_base_models_are_a_merge():
    card = {"base_model": ["alice/a", "bob/b"]}

    assert model_base_models(card=card, paths=["config.json"])["relation"] == "merge"


def test_an_adapter_config_makes_an_adapter_and_an_unknown_relation_is_guessed():
    card = {"base_model": "alice/base", "base_model_relation": "cousin"}

    assert model_base_models(card=card, paths=["adapter_config.json"])["relation"] == "adapter"


def test_a_card_without_a_base_model_has_none():
    assert model_base_models(card={"license": "mit"}, paths=[]) is None
