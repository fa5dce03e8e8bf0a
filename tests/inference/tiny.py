"""Tiny models made on the spot: random weights from small configs, tokenizers trained on a few
lines with the `tokenizers` library. Each factory saves a complete model folder."""

import copy
from functools import cache
from pathlib import Path

import torch
import yaml
from tokenizers import (
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
    trainers,
)
from transformers import (
    BartConfig,
    BartForConditionalGeneration,
    BertConfig,
    BertForMaskedLM,
    BertForQuestionAnswering,
    BertForSequenceClassification,
    BertForTokenClassification,
    BertModel,
    GPT2Config,
    GPT2LMHeadModel,
    PreTrainedTokenizerFast,
    ViTConfig,
    ViTForImageClassification,
    ViTImageProcessor,
)

LINES = [
    "the quick brown fox jumps over the lazy dog",
    "paris is the capital of france and berlin is the capital of germany",
    "i love this movie it is great",
    "this film is terrible and boring",
    "my name is wolfgang and i live in berlin",
    "where do i live asked the man",
]
SMALL = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
         "intermediate_size": 37}  # fmt: skip


@cache
def wordpiece() -> PreTrainedTokenizerFast:
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok.train_from_iterator(
        LINES, trainers.WordPieceTrainer(vocab_size=200, special_tokens=specials)
    )
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )  # fmt: skip
    tok.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                   model_max_length=128)  # fmt: skip


@cache
def bytelevel() -> PreTrainedTokenizerFast:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>", "<pad>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())  # fmt: skip
    tok.train_from_iterator(LINES, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>",
                                   eos_token="<|endoftext|>", unk_token="<|endoftext|>",
                                   pad_token="<pad>")  # fmt: skip


def _labels(*names: str) -> dict:
    return {"id2label": dict(enumerate(names)), "label2id": {n: i for i, n in enumerate(names)}}


def _save(folder: Path, model, tokenizer=None, card: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    if tokenizer is not None:
        tokenizer.save_pretrained(folder)
    if card is not None:
        (folder / "README.md").write_text(f"---\n{yaml.safe_dump(card)}---\n# Tiny model\n")
    return folder


def _bert(cls, seed: int = 0, **extra):
    torch.manual_seed(seed)
    return cls(BertConfig(vocab_size=len(wordpiece()), **SMALL, **extra))


def text_classifier(folder: Path, card: dict | None = None, seed: int = 0) -> Path:
    model = _bert(BertForSequenceClassification, seed, **_labels("NEGATIVE", "POSITIVE"))
    return _save(folder, model, wordpiece(), card or {"pipeline_tag": "text-classification"})


def token_classifier(folder: Path) -> Path:
    model = _bert(BertForTokenClassification, **_labels("O", "B-PER", "I-PER", "B-LOC", "I-LOC"))
    return _save(folder, model, wordpiece(), {"pipeline_tag": "token-classification"})


def masked_lm(folder: Path) -> Path:
    return _save(folder, _bert(BertForMaskedLM), wordpiece(), {"pipeline_tag": "fill-mask"})


def encoder(folder: Path, task: str = "feature-extraction") -> Path:
    return _save(folder, _bert(BertModel), wordpiece(), {"pipeline_tag": task})


def nli(folder: Path) -> Path:
    model = _bert(
        BertForSequenceClassification, **_labels("contradiction", "neutral", "entailment")
    )
    return _save(folder, model, wordpiece(), {"pipeline_tag": "zero-shot-classification"})


def extractive_qa(folder: Path) -> Path:
    model = _bert(BertForQuestionAnswering)
    return _save(folder, model, wordpiece(), {"pipeline_tag": "question-answering"})


def seq2seq(folder: Path, task: str = "summarization") -> Path:
    tok = wordpiece()
    torch.manual_seed(0)
    config = BartConfig(
        vocab_size=len(tok), d_model=32, encoder_layers=2, decoder_layers=2,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=37,
        decoder_ffn_dim=37, max_position_embeddings=128, pad_token_id=tok.pad_token_id,
        bos_token_id=tok.cls_token_id, eos_token_id=tok.sep_token_id,
        decoder_start_token_id=tok.sep_token_id, forced_bos_token_id=None,
        forced_eos_token_id=None,
    )  # fmt: skip
    return _save(folder, BartForConditionalGeneration(config), tok, {"pipeline_tag": task})


def gpt2(folder: Path) -> Path:
    tok = bytelevel()
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=len(tok), n_embd=32, n_layer=2, n_head=2, n_positions=1024,
                        bos_token_id=0, eos_token_id=0, pad_token_id=1)  # fmt: skip
    return _save(folder, GPT2LMHeadModel(config), tok, {"pipeline_tag": "text-generation"})


@cache
def chat_tokenizer() -> PreTrainedTokenizerFast:
    """Byte-level BPE over the characters of LINES and the chat template only (no lone bytes
    of longer characters), so a random model's answers are readable text."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    lines = [*LINES, "<system> <user> <assistant>\n", "hello, where? yes! 0123456789."]
    tok.train_from_iterator(
        lines, trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>", "<pad>"])
    )
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>",
                                   eos_token="<|endoftext|>", unk_token="<|endoftext|>",
                                   pad_token="<pad>", chat_template=None)  # fmt: skip


# A ChatML-like template in plain text: the tiny tokenizer has no special tokens for it.
CHAT_TEMPLATE = (
    "{% for message in messages %}<{{ message['role'] }}> {{ message['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<assistant>{% endif %}"
)


def chat_lm(folder: Path, *, template: bool = True, positions: int = 1024) -> Path:
    """A tiny GPT-2 whose tokenizer has a chat template (`template`), `positions` tokens of
    context, tagged text-generation."""
    tok = copy.deepcopy(chat_tokenizer())  # the cached one serves models without a template
    torch.manual_seed(0)
    # Weights this large make greedy answers varied text, not one token repeated.
    config = GPT2Config(vocab_size=len(tok), n_embd=32, n_layer=2, n_head=2,
                        n_positions=positions, bos_token_id=0, eos_token_id=0, pad_token_id=1,
                        initializer_range=0.5)  # fmt: skip
    _save(folder, GPT2LMHeadModel(config), card={"pipeline_tag": "text-generation"})
    tok.chat_template = CHAT_TEMPLATE if template else None
    tok.save_pretrained(folder)
    return folder


def vit(folder: Path) -> Path:
    torch.manual_seed(0)
    config = ViTConfig(image_size=32, patch_size=8, num_channels=3, **SMALL,
                       **_labels("cat", "dog", "bird"))  # fmt: skip
    _save(folder, ViTForImageClassification(config), card={"pipeline_tag": "image-classification"})
    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(folder)
    return folder


def png(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (40, 30)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()
