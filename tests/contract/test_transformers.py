"""`transformers` against the hub: push_to_hub from a model and a tokenizer, from_pretrained
by repo id, tag and sha, and pipeline(model=...) choosing its task from the card's pipeline_tag.

The models are tiny BERT and GPT-2 style models with random weights and tokenizers trained on
a few lines, made in the test. `transformers` reads HF_ENDPOINT at import, so everything runs
in one subprocess per module that prints its results as JSON.
"""

import json
import math
import uuid

import pytest

from tests.contract.helpers import STEPS, run_client_script, step_ok

pytestmark = pytest.mark.live

SCRIPT = (
    STEPS
    + """
import os
import torch
from huggingface_hub import HfApi
from tokenizers import (
    Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers,
)
from transformers import (
    AutoModelForCausalLM, AutoModelForMaskedLM, AutoTokenizer, BertConfig, BertForMaskedLM,
    GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast, pipeline,
)

repos = json.loads(os.environ["TEST_REPOS"])
api = HfApi()
LINES = [
    "the quick brown fox jumps over the lazy dog",
    "hello world from a tiny hub",
    "a small model for a small test",
    "the hub serves models and datasets",
] * 5
PROMPT = "hello world"


def bert_tokenizer():
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    trainer = trainers.WordPieceTrainer(vocab_size=120, special_tokens=specials)
    tok.train_from_iterator(LINES, trainer)
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    tok.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]",
    )


def gpt_tokenizer():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(LINES, trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
        unk_token="<|endoftext|>",
    )


def logits(model, tokenizer):
    with torch.no_grad():
        return model(**tokenizer(PROMPT, return_tensors="pt")).logits[0, :, :8].tolist()


def card(pipeline_tag):
    return f"---\\nlibrary_name: transformers\\npipeline_tag: {pipeline_tag}\\n---\\nTiny.\\n"


torch.manual_seed(0)
with step("push_bert") as out:
    tokenizer = bert_tokenizer()
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=37, max_position_embeddings=64,
    )
    model = BertForMaskedLM(config).eval()
    model.push_to_hub(repos["bert"])
    tokenizer.push_to_hub(repos["bert"])
    out["logits"] = logits(model, tokenizer)
    out["sha"] = api.model_info(repos["bert"]).sha
    out["files"] = sorted(api.list_repo_files(repos["bert"]))
    api.create_tag(repos["bert"], tag="v1")
    api.upload_file(path_or_fileobj=card("fill-mask").encode(), path_in_repo="README.md",
                    repo_id=repos["bert"])

with step("push_gpt") as out:
    tokenizer = gpt_tokenizer()
    config = GPT2Config(
        vocab_size=len(tokenizer), n_embd=32, n_layer=2, n_head=2, n_positions=64,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
    )
    model = GPT2LMHeadModel(config).eval()
    model.push_to_hub(repos["gpt"])
    tokenizer.push_to_hub(repos["gpt"])
    out["logits"] = logits(model, tokenizer)
    api.upload_file(path_or_fileobj=card("text-generation").encode(), path_in_repo="README.md",
                    repo_id=repos["gpt"])

sha = RESULTS["push_bert"].get("sha")
for name, revision in (("bert_by_id", None), ("bert_by_tag", "v1"), ("bert_by_sha", sha)):
    with step(name) as out:
        tokenizer = AutoTokenizer.from_pretrained(repos["bert"], revision=revision)
        model = AutoModelForMaskedLM.from_pretrained(repos["bert"], revision=revision)
        out["logits"] = logits(model, tokenizer)
        out["class"] = type(model).__name__

with step("gpt_by_id") as out:
    tokenizer = AutoTokenizer.from_pretrained(repos["gpt"])
    model = AutoModelForCausalLM.from_pretrained(repos["gpt"])
    out["logits"] = logits(model, tokenizer)
    out["class"] = type(model).__name__

with step("pipeline_bert") as out:
    fill = pipeline(model=repos["bert"])
    out["task"] = fill.task
    out["answers"] = len(fill("hello [MASK]", top_k=3))

with step("pipeline_gpt") as out:
    generate = pipeline(model=repos["gpt"])
    out["task"] = generate.task
    out["text"] = generate(PROMPT, max_new_tokens=3, do_sample=False)[0]["generated_text"]

done()
"""
)


@pytest.fixture(scope="module")
def results(hub, alice, tmp_path_factory):
    mark = uuid.uuid4().hex[:8]
    repos = {"bert": f"alice/tiny-bert-{mark}", "gpt": f"alice/tiny-gpt-{mark}"}
    outcome = run_client_script(
        hub,
        alice.token,
        tmp_path_factory.mktemp("transformers-home"),
        SCRIPT,
        HF_HUB_DISABLE_XET="1",
        TEST_REPOS=json.dumps(repos),
    )
    return repos, outcome


def _close(left: list, right: list) -> bool:
    flat = [
        (a, b)
        for row_a, row_b in zip(left, right, strict=True)
        for a, b in zip(row_a, row_b, strict=True)
    ]
    return all(math.isclose(a, b, abs_tol=1e-5) for a, b in flat)


def test_push_to_hub_uploads_the_model_weights_config_and_tokenizer(hub, alice, results):
    repos, outcome = results

    files = step_ok(outcome, "push_bert")["files"]

    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"} <= set(
        files
    )
    tree = {f.path: f for f in alice.api(hub).list_repo_tree(repos["bert"])}
    assert tree["model.safetensors"].lfs is not None


def test_from_pretrained_by_repo_id_gives_back_the_pushed_weights(results):
    _, outcome = results
    pushed = step_ok(outcome, "push_bert")

    loaded = step_ok(outcome, "bert_by_id")

    assert loaded["class"] == "BertForMaskedLM"
    assert _close(loaded["logits"], pushed["logits"])


def test_from_pretrained_by_tag_gives_back_the_pushed_weights(results):
    _, outcome = results

    loaded = step_ok(outcome, "bert_by_tag")

    assert _close(loaded["logits"], step_ok(outcome, "push_bert")["logits"])


def test_from_pretrained_by_commit_sha_gives_back_the_pushed_weights(results):
    _, outcome = results

    loaded = step_ok(outcome, "bert_by_sha")

    assert _close(loaded["logits"], step_ok(outcome, "push_bert")["logits"])


def test_a_gpt2_style_model_round_trips(results):
    _, outcome = results
    pushed = step_ok(outcome, "push_gpt")

    loaded = step_ok(outcome, "gpt_by_id")

    assert loaded["class"] == "GPT2LMHeadModel"
    assert _close(loaded["logits"], pushed["logits"])


def test_pipeline_picks_fill_mask_from_the_cards_pipeline_tag(results):
    _, outcome = results

    fill = step_ok(outcome, "pipeline_bert")

    assert fill["task"] == "fill-mask"
    assert fill["answers"] == 3


def test_pipeline_picks_text_generation_from_the_cards_pipeline_tag(results):
    _, outcome = results

    generated = step_ok(outcome, "pipeline_gpt")

    assert generated["task"] == "text-generation"
    assert generated["text"].startswith("hello world")
