"""Every task end to end through the worker's service, on models built to give known answers
(or, for generated text, checked against the same model and metric libraries called here)."""

import pytest
import sacrebleu
import torch
from datasets import Features, Value
from rouge_score import rouge_scorer
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

from evaluation.models import EvaluationJob
from tests.evaluation import factories
from tests.evaluation.conftest import evaluate, make_repo
from tests.inference import tiny

pytestmark = pytest.mark.django_db
SUCCEEDED = EvaluationJob.State.SUCCEEDED


def test_token_classification_scores_entities_with_seqeval(alice, tmp_path):
    model = make_repo(alice, "all-per", "model", factories.constant_tagger(tmp_path / "m", 1))
    data = factories.tagged(
        tmp_path / "d",
        [
            (["my", "name", "is", "wolfgang"], ["O", "O", "O", "B-PER"]),
            (["i", "live", "in", "berlin"], ["O", "O", "O", "B-LOC"]),
        ],
    )
    dataset = make_repo(alice, "ner", "dataset", data)

    job = evaluate(alice, model, dataset, task="token-classification")

    assert job.state == SUCCEEDED, job.error
    # Every word is a one-word PER entity: 8 predicted, 1 right (wolfgang), 2 gold entities.
    precision, recall = 1 / 8, 1 / 2
    assert job.results == pytest.approx(
        {
            "f1": 2 * precision * recall / (precision + recall),
            "precision": precision,
            "recall": recall,
            "accuracy": 1 / 8,
        }
    )


def test_question_answering_scores_squad_exact_match_and_f1(alice, tmp_path):
    model = make_repo(alice, "first-word", "model", factories.flat_reader(tmp_path / "m"))
    context = "i love this movie it is great"
    answers = [["i"], ["i love"], ["great"], ["movie", "I"]]
    data = factories.dataset(
        tmp_path / "d",
        {
            "question": ["who?", "what?", "how?", "which?"],
            "context": [context] * 4,
            "answers": [{"text": a, "answer_start": [0] * len(a)} for a in answers],
        },
    )
    dataset = make_repo(alice, "qa", "dataset", data)

    job = evaluate(alice, model, dataset, task="question-answering")

    assert job.state == SUCCEEDED, job.error
    # The answer is always "i": exact on rows 1 and 4; F1 1, 2/3 (i of "i love"), 0, 1.
    assert job.results == pytest.approx({"exact_match": 50.0, "f1": 100 * (1 + 2 / 3 + 1) / 4})


def test_translation_scores_the_models_greedy_output_with_sacrebleu_and_rouge(alice, tmp_path):
    folder = tiny.seq2seq(tmp_path / "m", "translation")
    model = make_repo(alice, "translator", "model", folder)
    sources = ["the quick brown fox", "paris is the capital of france", "i love this movie"]
    references = ["le renard", "paris est la capitale", "j aime ce film"]
    data = factories.dataset(tmp_path / "d", {"source": sources, "target": references})
    dataset = make_repo(alice, "pairs", "dataset", data)

    job = evaluate(alice, model, dataset)

    assert job.state == SUCCEEDED, job.error
    direct = AutoModelForSeq2SeqLM.from_pretrained(folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    encoded = tokenizer(sources, padding=True, return_tensors="pt")
    encoded.pop("token_type_ids", None)
    with torch.inference_mode():
        tokens = direct.generate(**encoded, do_sample=False, max_new_tokens=128)
    outputs = [t.strip() for t in tokenizer.batch_decode(tokens, skip_special_tokens=True)]
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    rouge = [scorer.score(r, o) for r, o in zip(references, outputs, strict=True)]
    assert [s["prediction"] for s in job.samples] == outputs
    assert job.results == pytest.approx(
        {
            "bleu": sacrebleu.corpus_bleu(outputs, [references]).score,
            "chrf": sacrebleu.corpus_chrf(outputs, [references]).score,
            **{
                k: 100 * sum(s[k].fmeasure for s in rouge) / 3
                for k in ("rouge1", "rouge2", "rougeL")
            },
        }
    )


def test_a_model_with_flat_logits_has_its_vocabulary_size_as_perplexity(alice, tmp_path):
    folder = factories.uniform_lm(tmp_path / "m")
    model = make_repo(alice, "uniform", "model", folder)
    data = factories.dataset(tmp_path / "d", {"text": tiny.LINES}, Features(text=Value("string")))
    dataset = make_repo(alice, "corpus", "dataset", data)

    job = evaluate(alice, model, dataset)

    assert job.state == SUCCEEDED, job.error
    assert job.results["perplexity"] == pytest.approx(len(tiny.bytelevel()), rel=1e-6)


def test_image_classification_counts_right_answers(alice, tmp_path):
    model = make_repo(alice, "always-dog", "model", factories.constant_vision(tmp_path / "m", 1))
    dataset = make_repo(alice, "pets", "dataset", factories.images(tmp_path / "d", [0, 1, 1, 2, 1]))

    job = evaluate(alice, model, dataset, metrics=["accuracy"])

    assert job.state == SUCCEEDED, job.error
    assert job.results == pytest.approx({"accuracy": 3 / 5})
    assert job.samples[0] == {"input": "(image)", "reference": "cat", "prediction": "dog"}
