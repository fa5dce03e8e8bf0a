"""POST /api/finetune against a live hub: the fine-tune runs as a Job in the sandbox (the
program shipped as its script, a token of alice's its HF_TOKEN), pushes the model, and the
stock client loads it."""

import httpx2 as httpx
import pytest
from huggingface_hub import snapshot_download
from transformers import AutoModelForSequenceClassification

from tests.finetune.factories import push_folder, reviews_dataset
from tests.inference import tiny
from tests.live import wait_until

pytestmark = pytest.mark.live

_TOKEN_STATE = """
from registry.models import AccessToken
token = AccessToken.objects.get(name="finetune-{job_id}")
print("revoked" if token.revoked_at else "live")
"""


def test_alice_fine_tunes_through_the_api_and_loads_the_pushed_model(
    hub, alice, repo_name, tmp_path
):
    api = alice.api(hub)
    base = push_folder(api, f"alice/{repo_name}-base", tiny.text_classifier(tmp_path / "base"))
    data = push_folder(api, f"alice/{repo_name}-reviews", reviews_dataset(tmp_path / "data"),
                       "dataset")  # fmt: skip
    settings = {
        "base_model": base,
        "dataset": data,
        "task": "text-classification",
        "output_repo": f"alice/{repo_name}-tuned",
        "hyperparameters": {"max_steps": 2, "batch_size": 4},
    }

    response = httpx.post(
        f"{hub.url}/api/finetune", json=settings, headers={"Authorization": f"Bearer {alice.token}"}
    )

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["output_repo"] == f"alice/{repo_name}-tuned"
    assert answer["job"]["secrets"] == {"HF_TOKEN": "***"}
    assert answer["job"]["labels"] == {"finetune": f"{repo_name}-tuned"}
    job_id = answer["job"]["id"]
    job = wait_until(
        lambda: (
            (found := api.inspect_job(job_id=job_id)).status.stage not in {"SCHEDULING", "RUNNING"}
            and found
        ),
        timeout=600,
        message="the fine-tune job to end",
    )
    log = "\n".join(api.fetch_job_logs(job_id=job_id))
    assert job.status.stage == "COMPLETED", f"{job.status.message}\n{log[-5000:]}"
    assert "step 2/2 (100%) loss " in log
    assert "finetune-result " in log
    assert alice.token not in log
    folder = snapshot_download(f"alice/{repo_name}-tuned", endpoint=hub.url, token=alice.token)
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    assert model.config.id2label == {0: "neg", 1: "pos"}
    assert api.model_info(f"alice/{repo_name}-tuned").card_data.base_model == base
    # The job's token stopped working when the job ended.
    state = hub.manage("shell", "-c", _TOKEN_STATE.format(job_id=job_id)).stdout.strip()
    assert state.splitlines()[-1] == "revoked"
