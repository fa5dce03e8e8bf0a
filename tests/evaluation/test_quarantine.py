"""Quarantine: evaluation never loads a model holding a file the scanner flagged; the job is
refused when submitted, naming the file."""

import pytest

from evaluation.models import EvaluationJob
from registry.errors import FileQuarantined
from tests.evaluation import factories
from tests.evaluation.conftest import evaluate, make_repo

pytestmark = pytest.mark.django_db
LABELS = [1, 0, 1, 1, 0, 0]


def test_an_evaluation_of_a_model_with_a_dangerous_pickle_is_refused(alice, tmp_path):
    folder = factories.random_classifier(tmp_path / "m", seed=3)
    (folder / "optimizer.pt").write_bytes(b"\x80\x02csubprocess\nPopen\n)R.")  # never loaded
    model = make_repo(alice, "trojan", "model", folder)
    dataset = make_repo(alice, "reviews", "dataset", factories.sentiment(tmp_path / "d", LABELS))

    with pytest.raises(FileQuarantined, match="optimizer.pt"):
        evaluate(alice, model, dataset)

    assert not EvaluationJob.objects.exists()
