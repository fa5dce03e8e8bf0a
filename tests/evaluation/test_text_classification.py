"""Text classification: a classifier that always says "positive", on a dataset with a known
share of positives, has numbers anyone can work out by hand."""

import pytest

from evaluation.models import EvaluationJob
from tests.evaluation import factories
from tests.evaluation.conftest import evaluate, make_repo

pytestmark = pytest.mark.django_db

# 7 positives, 3 negatives.
LABELS = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1]


@pytest.fixture
def always_positive(alice, tmp_path):
    return make_repo(
        alice, "always-positive", "model", factories.constant_classifier(tmp_path / "m", label=1)
    )


@pytest.fixture
def reviews(alice, tmp_path):
    return make_repo(alice, "reviews", "dataset", factories.sentiment(tmp_path / "d", LABELS))


def test_a_constant_classifier_scores_the_label_share(alice, always_positive, reviews):
    job = evaluate(alice, always_positive, reviews)

    assert job.state == EvaluationJob.State.SUCCEEDED, job.error
    f1_positive = 2 * 0.7 * 1.0 / (0.7 + 1.0)  # precision 7/10, recall 7/7
    assert job.results == pytest.approx(
        {
            "accuracy": 0.7,
            "f1_macro": (f1_positive + 0.0) / 2,
            "f1_weighted": 0.7 * f1_positive + 0.3 * 0.0,
            "precision_macro": (0.7 + 0.0) / 2,
            "recall_macro": (1.0 + 0.0) / 2,
        }
    )
    assert (job.progress_done, job.progress_total) == (10, 10)
    assert job.samples[0]["prediction"] == "positive"
