"""The metric functions on strings whose scores are worked out by hand."""

import math

import pytest

from evaluation.worker import metrics


def test_squad_scores_ignore_case_punctuation_and_articles_and_take_the_best_answer():
    scores = metrics.squad(
        [["The Eiffel Tower"], ["in paris", "Paris"], ["a red car"]],
        ["eiffel tower!", "Paris, France", "blue car"],
    )

    # exact: 1, 0, 0. F1: 1; best of {in paris: p 1/2 r 1/2, paris: p 1/2 r 1} = 2/3; car: 1/2.
    assert scores == pytest.approx({"exact_match": 100 / 3, "f1": 100 * (1 + 2 / 3 + 0.5) / 3})


def test_identical_translations_score_100_and_rouge_counts_shared_words():
    assert metrics.generation(["the cat sat on the mat"], ["the cat sat on the mat"]) == (
        pytest.approx(
            {"bleu": 100.0, "chrf": 100.0, "rouge1": 100.0, "rouge2": 100.0, "rougeL": 100.0}
        )
    )
    partly = metrics.generation(["the cat sat"], ["the dog sat"])
    # unigrams: 2 of 3 shared; bigrams: none of 2; longest common subsequence: 2 of 3.
    assert partly["rouge1"] == pytest.approx(100 * 2 / 3)
    assert partly["rouge2"] == pytest.approx(0.0)
    assert partly["rougeL"] == pytest.approx(100 * 2 / 3)


def test_bleu_is_the_brevity_penalised_geometric_mean_of_ngram_precisions():
    reference = "a b c d e f g h"
    hypothesis = "a b c d e f g x"  # 7/8, 6/7, 5/6, 4/5 n-gram precisions, same length

    expected = 100 * math.exp(sum(math.log(p) for p in (7 / 8, 6 / 7, 5 / 6, 4 / 5)) / 4)
    assert metrics.generation([reference], [hypothesis])["bleu"] == pytest.approx(expected)


def test_entity_scores_count_whole_entities():
    gold = [["B-PER", "I-PER", "O", "B-LOC"]]
    predicted = [["B-PER", "I-PER", "O", "B-PER"]]

    # entities: gold {PER 0-1, LOC 3}, predicted {PER 0-1, PER 3}: one of two right each way.
    assert metrics.entities(gold, predicted) == pytest.approx(
        {"f1": 0.5, "precision": 0.5, "recall": 0.5, "accuracy": 0.75}
    )


def test_perplexity_is_the_exponent_of_the_mean_token_loss():
    assert metrics.perplexity(10 * math.log(7), 10) == pytest.approx({"perplexity": 7.0})
