"""Metrics, computed with the libraries the field uses; no metric script is ever downloaded.

Classification metrics are fractions (0-1, scikit-learn's convention), entity scores too
(seqeval's); SQuAD exact match and F1, sacreBLEU, chrF and ROUGE are 0-100 as their
references report them; perplexity is exp(mean negative log-likelihood per token).
"""

import math
import re
import string
from collections import Counter


def classification(gold: list[str], predicted: list[str]) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

    both = {"y_true": gold, "y_pred": predicted, "zero_division": 0}
    return {
        "accuracy": float(accuracy_score(gold, predicted)),
        "f1_macro": float(f1_score(average="macro", **both)),
        "f1_weighted": float(f1_score(average="weighted", **both)),
        "precision_macro": float(precision_score(average="macro", **both)),
        "recall_macro": float(recall_score(average="macro", **both)),
    }


def entities(gold: list[list[str]], predicted: list[list[str]]) -> dict[str, float]:
    """seqeval's entity-level scores (conlleval rules) and its token accuracy."""
    from seqeval.metrics import accuracy_score, f1_score, precision_score, recall_score

    return {
        "f1": float(f1_score(gold, predicted, zero_division=0)),
        "precision": float(precision_score(gold, predicted, zero_division=0)),
        "recall": float(recall_score(gold, predicted, zero_division=0)),
        "accuracy": float(accuracy_score(gold, predicted)),
    }


def squad(gold: list[list[str]], predicted: list[str]) -> dict[str, float]:
    """SQuAD v1.1 exact match and F1: the best over each question's gold answers, in %."""
    exact = f1 = 0.0
    for answers, prediction in zip(gold, predicted, strict=True):
        answers = answers or [""]
        exact += max(float(_normalize(a) == _normalize(prediction)) for a in answers)
        f1 += max(_token_f1(a, prediction) for a in answers)
    count = max(len(predicted), 1)
    return {"exact_match": 100 * exact / count, "f1": 100 * f1 / count}


_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def _normalize(text: str) -> str:
    """Lower case, no punctuation, no articles, single spaces (the SQuAD script's rules)."""
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCTUATION)).split())


def _token_f1(gold: str, predicted: str) -> float:
    gold_tokens, predicted_tokens = _normalize(gold).split(), _normalize(predicted).split()
    common = sum((Counter(gold_tokens) & Counter(predicted_tokens)).values())
    if not gold_tokens or not predicted_tokens:
        return float(gold_tokens == predicted_tokens)
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted_tokens), common / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def generation(references: list[str], predicted: list[str]) -> dict[str, float]:
    """Corpus sacreBLEU and chrF, and mean ROUGE-1/2/L F-measures, all 0-100."""
    import sacrebleu
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    totals = Counter()
    for reference, prediction in zip(references, predicted, strict=True):
        for name, score in scorer.score(reference, prediction).items():
            totals[name] += score.fmeasure
    count = max(len(predicted), 1)
    return {
        "bleu": float(sacrebleu.corpus_bleu(predicted, [references]).score),
        "chrf": float(sacrebleu.corpus_chrf(predicted, [references]).score),
        **{name: 100 * totals[name] / count for name in ("rouge1", "rouge2", "rougeL")},
    }


def perplexity(total_nll: float, tokens: int) -> dict[str, float]:
    return {"perplexity": math.exp(total_nll / tokens)}
