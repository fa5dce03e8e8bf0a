"""The fine-tune program against a live hub: tiny models and datasets pushed with the stock
client, the program run as a Job runs it (a subprocess with HF_ENDPOINT and HF_TOKEN), then the
pushed model loaded with `from_pretrained` and its card read back."""

import json
from pathlib import Path

import pytest
import yaml
from huggingface_hub import HfApi, snapshot_download
from transformers import (
    AutoModelForCausalLM,
    AutoModelForSeq2SeqLM,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
)

from evaluation.modelindex import self_reported
from registry.cards import split_front_matter
from tests.finetune.factories import (
    entities_dataset,
    lines_dataset,
    push_folder,
    reviews_dataset,
    run_program,
    summaries_dataset,
    translations_dataset,
)
from tests.inference import tiny

pytestmark = pytest.mark.live


def _result(run) -> dict:
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith("finetune-result "), run.stdout[-3000:]
    return json.loads(last.removeprefix("finetune-result "))


def _card(api: HfApi, repo_id: str) -> tuple[dict, Path]:
    """The pushed repo's card metadata and its files, downloaded with the stock client."""
    folder = Path(snapshot_download(repo_id, endpoint=api.endpoint, token=api.token))
    front, _ = split_front_matter((folder / "README.md").read_text())
    return yaml.safe_load(front), folder


def test_alice_fine_tunes_a_classifier_from_the_hub_and_loads_the_result(
    hub, alice, repo_name, tmp_path
):
    api = alice.api(hub)
    base = push_folder(api, f"alice/{repo_name}-base", tiny.text_classifier(tmp_path / "base"))
    data = push_folder(api, f"alice/{repo_name}-reviews", reviews_dataset(tmp_path / "data"),
                       "dataset")  # fmt: skip
    params = {
        "base_model": base,
        "dataset": data,
        "task": "text-classification",
        "output_repo": f"alice/{repo_name}-tuned",
        "hyperparameters": {"max_steps": 4, "batch_size": 4},
    }

    run = run_program(hub, alice.token, tmp_path / "job", params)

    result = _result(run)
    assert "step 4/4 (100%) loss " in run.stdout
    assert result["eval_split"] == "validation"
    assert set(result["results"]) >= {"accuracy", "f1_macro"}
    card, folder = _card(api, f"alice/{repo_name}-tuned")
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    assert model.config.id2label == {0: "neg", 1: "pos"}
    assert card["base_model"] == base
    assert card["datasets"] == [data]
    assert (folder / "loss_curve.png").read_bytes().startswith(b"\x89PNG")
    # The hub's evaluation reads the card's results as self-reported ones.
    reported = self_reported(
        card, task="text-classification", dataset_id=data, config="default", split="validation"
    )
    assert reported["accuracy"] == result["results"]["accuracy"]
    assert api.model_info(f"alice/{repo_name}-tuned").card_data.base_model == base


def test_alice_fine_tunes_a_gpt2_on_text_with_a_slice_held_out(hub, alice, repo_name, tmp_path):
    api = alice.api(hub)
    base = push_folder(api, f"alice/{repo_name}-gpt", tiny.gpt2(tmp_path / "base"))
    data = push_folder(api, f"alice/{repo_name}-lines", lines_dataset(tmp_path / "data"),
                       "dataset")  # fmt: skip
    params = {
        "base_model": base,
        "dataset": data,
        "task": "text-generation",
        "output_repo": f"alice/{repo_name}-tuned",
        "hyperparameters": {"max_steps": 3, "batch_size": 4, "learning_rate": 1e-3},
    }

    run = run_program(hub, alice.token, tmp_path / "job", params, as_file=True)

    result = _result(run)
    assert result["eval_split"] == "train (held out)"
    assert result["results"]["perplexity"] > 1
    card, folder = _card(api, f"alice/{repo_name}-tuned")
    assert AutoModelForCausalLM.from_pretrained(folder).config.model_type == "gpt2"
    assert card["base_model"] == base
    assert card["model-index"][0]["results"][0]["metrics"][0]["type"] == "perplexity"
    assert card["model-index"][0]["results"][0]["dataset"]["split"] == "train (held out)"


def test_a_fine_tune_on_a_dataset_without_the_named_column_fails_before_training(
    hub, alice, repo_name, tmp_path
):
    api = alice.api(hub)
    base = push_folder(api, f"alice/{repo_name}-base", tiny.text_classifier(tmp_path / "base"))
    data = push_folder(api, f"alice/{repo_name}-reviews",
                       reviews_dataset(tmp_path / "data", text_column="sentence"),
                       "dataset")  # fmt: skip
    params = {
        "base_model": base,
        "dataset": data,
        "task": "text-classification",
        "output_repo": f"alice/{repo_name}-tuned",
    }

    run = run_program(hub, alice.token, tmp_path / "job", params)

    assert run.returncode == 2, run.stdout + run.stderr
    assert "no column 'text' for text-classification" in run.stderr
    assert "its columns are: sentence, label" in run.stderr
    assert "step " not in run.stdout
    assert not api.repo_exists(f"alice/{repo_name}-tuned")


def test_alice_fine_tunes_a_token_classifier_scored_by_entity_f1(hub, alice, repo_name, tmp_path):
    api = alice.api(hub)
    base = push_folder(api, f"alice/{repo_name}-base", tiny.token_classifier(tmp_path / "base"))
    data = push_folder(api, f"alice/{repo_name}-ner", entities_dataset(tmp_path / "data"),
                       "dataset")  # fmt: skip
    params = {
        "base_model": base,
        "dataset": data,
        "task": "token-classification",
        "output_repo": f"alice/{repo_name}-tuned",
        "hyperparameters": {"max_steps": 2, "batch_size": 4},
    }

    result = _result(run_program(hub, alice.token, tmp_path / "job", params))

    assert set(result["results"]) == {"f1", "precision", "recall", "accuracy"}
    card, folder = _card(api, f"alice/{repo_name}-tuned")
    model = AutoModelForTokenClassification.from_pretrained(folder)
    assert model.config.id2label == {0: "O", 1: "B-PER", 2: "I-PER", 3: "B-LOC", 4: "I-LOC"}
    assert card["pipeline_tag"] == "token-classification"


def test_alice_fine_tunes_a_summarizer_evaluated_on_the_test_split(hub, alice, repo_name, tmp_path):
    api = alice.api(hub)
    base = push_folder(api, f"alice/{repo_name}-bart", tiny.seq2seq(tmp_path / "base"))
    data = push_folder(api, f"alice/{repo_name}-docs", summaries_dataset(tmp_path / "data"),
                       "dataset")  # fmt: skip
    params = {
        "base_model": base,
        "dataset": data,
        "task": "summarization",
        "output_repo": f"alice/{repo_name}-tuned",
        "hyperparameters": {"max_steps": 2, "batch_size": 4, "max_length": 16},
    }

    result = _result(run_program(hub, alice.token, tmp_path / "job", params))

    assert result["eval_split"] == "test"
    assert set(result["results"]) == {"rouge1", "rouge2", "rougeL"}
    card, folder = _card(api, f"alice/{repo_name}-tuned")
    assert AutoModelForSeq2SeqLM.from_pretrained(folder).config.model_type == "bart"
    reported = self_reported(
        card, task="summarization", dataset_id=data, config="default", split="test"
    )
    assert reported == result["results"]


def test_alice_fine_tunes_a_translator_on_one_nested_translation_column(
    hub, alice, repo_name, tmp_path
):
    api = alice.api(hub)
    base = push_folder(
        api, f"alice/{repo_name}-bart", tiny.seq2seq(tmp_path / "base", "translation")
    )
    data = push_folder(api, f"alice/{repo_name}-enfr", translations_dataset(tmp_path / "data"),
                       "dataset")  # fmt: skip
    params = {
        "base_model": base,
        "dataset": data,
        "task": "translation",
        "source_lang": "en",
        "target_lang": "fr",
        "output_repo": f"alice/{repo_name}-tuned",
        "hyperparameters": {"max_steps": 2, "batch_size": 4, "max_length": 16},
    }

    result = _result(run_program(hub, alice.token, tmp_path / "job", params))

    assert result["eval_split"] == "validation"
    assert set(result["results"]) == {"bleu", "chrf"}
    card, folder = _card(api, f"alice/{repo_name}-tuned")
    assert AutoModelForSeq2SeqLM.from_pretrained(folder).config.model_type == "bart"
    assert card["language"] == ["en", "fr"]
    assert "for translation from en to fr" in (folder / "README.md").read_text()


def test_charlie_cannot_fine_tune_into_alices_namespace_and_nothing_is_trained(
    hub, alice, charlie, repo_name, tmp_path
):
    api = alice.api(hub)
    base = push_folder(api, f"alice/{repo_name}-base", tiny.text_classifier(tmp_path / "base"))
    data = push_folder(api, f"alice/{repo_name}-reviews", reviews_dataset(tmp_path / "data"),
                       "dataset")  # fmt: skip
    params = {
        "base_model": base,
        "dataset": data,
        "task": "text-classification",
        "output_repo": f"alice/{repo_name}-tuned",
    }

    run = run_program(hub, charlie.token, tmp_path / "job", params)

    assert run.returncode == 2, run.stdout + run.stderr
    assert f"error: cannot create or write alice/{repo_name}-tuned: " in run.stderr
    assert "step " not in run.stdout
    assert not api.repo_exists(f"alice/{repo_name}-tuned")
