"""`datasets` and `transformers` inside a job, as people use them on the Hub: the job reads
a hub dataset and a hub model by their ids and pushes both back, with the token it was
given as its HF_TOKEN secret and nothing but HF_ENDPOINT pointing at the hub."""

from datasets import load_dataset
from huggingface_hub import snapshot_download
from transformers import AutoModelForSequenceClassification

from tests.finetune.factories import REVIEWS, push_folder, reviews_dataset
from tests.inference import tiny

SCRIPT = """
import os
from datasets import load_dataset
from transformers import AutoConfig, AutoModelForSequenceClassification

rows = load_dataset(os.environ["DATASET"], split="validation")
print("rows:", len(rows), ",".join(rows.column_names))
config = AutoConfig.from_pretrained(os.environ["MODEL"])
model = AutoModelForSequenceClassification.from_pretrained(os.environ["MODEL"])
print("model:", config.model_type, sorted(config.id2label.values()))
model.config.id2label = {0: "bad", 1: "good"}
model.push_to_hub(os.environ["OUT"], private=True)
rows.filter(lambda row: row["label"] == 1).push_to_hub(os.environ["OUT"], private=True)
"""


def test_a_job_loads_a_hub_dataset_and_model_and_pushes_both_with_its_token(
    hub, alice, repo_name, tmp_path
):
    api = alice.api(hub)
    model = push_folder(api, f"alice/{repo_name}-base", tiny.text_classifier(tmp_path / "m"))
    data = push_folder(api, f"alice/{repo_name}-reviews", reviews_dataset(tmp_path / "d"),
                       "dataset")  # fmt: skip
    api.update_repo_settings(model, private=True)
    api.update_repo_settings(data, private=True, repo_type="dataset")
    out = f"alice/{repo_name}-out"

    job = api.run_job(
        image="python:3.12", command=["python", "-c", SCRIPT], namespace="alice",
        env={"DATASET": data, "MODEL": model, "OUT": out, "HF_HUB_DISABLE_PROGRESS_BARS": "1"},
        secrets={"HF_TOKEN": alice.token},
    )  # fmt: skip
    done = api.wait_for_job(job.id, timeout=300, poll_interval=0.2)

    lines = list(api.fetch_job_logs(job_id=job.id, namespace="alice"))
    assert done.status.stage == "COMPLETED", (done.status.message, lines[-30:])
    assert "rows: 4 text,label" in lines
    assert "model: bert ['NEGATIVE', 'POSITIVE']" in lines
    assert api.model_info(out).private is True
    folder = snapshot_download(out, endpoint=hub.url, token=alice.token)
    pushed = AutoModelForSequenceClassification.from_pretrained(folder)
    assert pushed.config.id2label == {0: "bad", 1: "good"}
    folder = snapshot_download(out, repo_type="dataset", endpoint=hub.url, token=alice.token)
    positives = load_dataset(folder, split="validation")
    assert positives["text"] == [text for text, label in REVIEWS if label == "pos"]
