"""A job's secrets are stored sealed (registry/sealing.py), as Space secrets are, and opened
only for the job's environment."""

import pytest

from jobs.models import Job
from jobs.selectors import job_secrets
from jobs.services import job_spec_parse
from registry import errors


def test_a_jobs_secret_is_stored_sealed_and_opened_for_its_environment():
    fields = job_spec_parse(
        {"dockerImage": "python:3.12", "command": ["true"], "secrets": {"HF_TOKEN": "hf_s3cr3t"}}
    )

    assert "hf_s3cr3t" not in repr(fields)
    assert job_secrets(Job(secrets=fields["secrets"])) == {"HF_TOKEN": "hf_s3cr3t"}


def test_a_secret_no_key_opens_is_a_clear_error_naming_it(settings):
    fields = job_spec_parse(
        {"dockerImage": "python:3.12", "command": ["true"], "secrets": {"HF_TOKEN": "hf_s3cr3t"}}
    )
    settings.HUB_SECRETS_KEYS = ("another-key-of-at-least-thirty-two-characters",)

    with pytest.raises(errors.BadRequest, match="HF_TOKEN cannot be decrypted"):
        job_secrets(Job(secrets=fields["secrets"]))
