"""The fine-tune pages: the button on a model's page, the form with the CPU defaults, a
submit that goes to the job's page, and bad input shown on the form."""

import json

import pytest
from django.test import Client

from jobs.models import Job
from registry.services.repos import repo_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(alice) -> Client:
    for name, repo_type in (("tiny", "model"), ("reviews", "dataset")):
        repo_create(
            user=alice, token=None, name=name, organization=None, repo_type=repo_type,
            private=False,
        )  # fmt: skip
    client = Client()
    client.force_login(alice)
    return client


def test_a_model_page_offers_signed_in_users_to_fine_tune_it(signed_in):
    page = signed_in.get("/alice/tiny").content.decode()
    anonymous = Client().get("/alice/tiny").content.decode()

    assert 'href="/finetune/new?base=alice%2Ftiny">Fine-tune</a>' in page
    assert "Fine-tune</a>" not in anonymous
    assert "Fine-tune</a>" not in signed_in.get("/datasets/alice/reviews").content.decode()


def test_the_form_names_the_base_model_and_shows_the_cpu_defaults(signed_in):
    response = signed_in.get("/finetune/new", {"base": "alice/tiny"})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="base_model" value="alice/tiny"' in page
    assert '<option value="token-classification">' in page
    assert 'name="learning_rate" value="" inputmode="decimal" placeholder="0.00005"' in page
    assert "Default 8; from 1 to 256" in page  # batch size
    assert 'name="timeout" value="" inputmode="numeric" placeholder="3600"' in page


def test_anonymous_visitors_are_sent_to_sign_in():
    response = Client().get("/finetune/new", {"base": "alice/tiny"})

    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_submitting_the_form_starts_the_job_and_shows_its_page(signed_in):
    response = signed_in.post("/finetune/new", {
        "base_model": "alice/tiny", "task": "text-classification", "dataset": "alice/reviews",
        "column_input": "sentence", "max_steps": "5", "output_repo": "tuned", "private": "on",
        "timeout": "900",
    })  # fmt: skip

    job = Job.objects.get()
    assert job.timeout_seconds == 900
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/alice/{job.id}"
    assert job.labels == {"finetune": "tuned"}
    assert (
        '"columns": {"input": "sentence", "label": "label"}' in job.environment["FINETUNE_PARAMS"]
    )
    assert '"private": true' in job.environment["FINETUNE_PARAMS"]


def test_bad_input_shows_the_form_again_with_the_message(signed_in):
    response = signed_in.post("/finetune/new", {
        "base_model": "alice/tiny", "task": "text-classification", "dataset": "alice/reviews",
        "epochs": "-1",
    })  # fmt: skip

    page = response.content.decode()
    assert response.status_code == 400
    assert "epochs must be between 0.01 and 100" in page
    assert 'name="epochs" value="-1"' in page
    assert 'name="dataset" value="alice/reviews"' in page
    assert not Job.objects.exists()


def test_a_timeout_over_the_operators_maximum_shows_the_form_again_naming_it(signed_in, settings):
    settings.HUB_FINETUNE_MAX_TIMEOUT = 7200
    response = signed_in.post("/finetune/new", {
        "base_model": "alice/tiny", "task": "text-classification", "dataset": "alice/reviews",
        "timeout": "9000",
    })  # fmt: skip

    assert response.status_code == 400
    assert "timeout must be between 60 and 7200" in response.content.decode()
    assert not Job.objects.exists()


def test_a_translation_form_names_the_languages_of_a_nested_column(signed_in):
    signed_in.post("/finetune/new", {
        "base_model": "alice/tiny", "task": "translation", "dataset": "alice/reviews",
        "source_lang": "en", "target_lang": "fr",
    })  # fmt: skip

    params = json.loads(Job.objects.get().environment["FINETUNE_PARAMS"])
    assert (params["source_lang"], params["target_lang"]) == ("en", "fr")
    assert params["columns"] == {"input": "translation", "label": "translation"}
