"""Fine-tune settings as the API and the pages will check them, and the parameters the
program reads from them."""

import json
from dataclasses import asdict, fields

import pytest

from finetune import program
from finetune.errors import InvalidFinetune
from finetune.specs import (
    HYPERPARAMETERS,
    PARAMS_VARIABLE,
    TASKS,
    program_environment,
    program_parameters,
    spec_normalize,
)


def _spec(**overrides):
    settings = {"owner": "alice", "base_model": "acme/tiny-bert", "dataset": "acme/reviews",
                "task": "text-classification", **overrides}  # fmt: skip
    return spec_normalize(**settings)


def _refusal(**overrides) -> str:
    with pytest.raises(InvalidFinetune) as caught:
        _spec(**overrides)
    assert caught.value.status == 400
    return caught.value.message


def test_a_fine_tune_named_by_model_dataset_and_task_gets_cpu_defaults():
    spec = _spec()

    assert spec.columns == {"input": "text", "label": "label"}
    assert (spec.config, spec.split, spec.eval_split) == (None, "train", None)
    assert spec.hyperparameters == {"epochs": 1.0, "learning_rate": 5e-5, "batch_size": 8,
                                    "max_length": 128, "max_steps": None, "seed": 42}  # fmt: skip
    assert spec.output_repo == "alice/tiny-bert-reviews"
    assert spec.private is False


def test_form_text_is_read_as_numbers_and_blank_fields_keep_their_defaults():
    spec = _spec(
        hyperparameters={
            "learning_rate": "2e-5",
            "batch_size": " 16 ",
            "max_steps": "",
            "epochs": 3,
        },
        columns={"input": "sentence", "label": ""},
        config="",
        private="on",
    )

    assert spec.hyperparameters["learning_rate"] == 2e-5
    assert spec.hyperparameters["batch_size"] == 16
    assert spec.hyperparameters["max_steps"] is None
    assert spec.hyperparameters["epochs"] == 3.0
    assert spec.columns == {"input": "sentence", "label": "label"}
    assert spec.config is None
    assert spec.private is True


def test_an_unknown_task_is_refused_naming_the_tasks():
    message = _refusal(task="image-segmentation")

    assert "image-segmentation" in message
    assert all(name in message for name in TASKS)


def test_a_column_role_the_task_lacks_is_refused_naming_its_roles():
    message = _refusal(task="text-generation", columns={"label": "answer"})

    assert message == "text-generation has no column role label; its roles are: input"


@pytest.mark.parametrize(
    ("hyperparameters", "expected"),
    [
        ({"learning_rate": "fast"}, "learning_rate must be a number; got 'fast'"),
        ({"batch_size": 2.5}, "batch_size must be a whole number; got 2.5"),
        ({"batch_size": True}, "batch_size must be a number; got True"),
        ({"epochs": 0}, "epochs must be between 0.01 and 100"),
        ({"max_steps": "nan"}, "max_steps must be a number; got 'nan'"),
        ({"momentum": 0.9}, "unknown hyperparameter momentum; the hyperparameters are: "),
        ("fast", "hyperparameters must map names to numbers"),
    ],
)
def test_a_bad_hyperparameter_is_refused_saying_what_is_wrong(hyperparameters, expected):
    assert _refusal(hyperparameters=hyperparameters).startswith(expected)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("base_model", "tiny-bert", "base_model must be a repo id like 'namespace/name'"),
        ("dataset", "acme/re views", "dataset: Invalid repository name 're views'"),
        ("output_repo", "a/b/c", "output_repo must be a repo id like 'namespace/name'"),
    ],
)
def test_a_bad_repo_id_is_refused_naming_the_field(field, value, expected):
    assert _refusal(**{field: value}).startswith(expected)


def test_the_program_reads_the_parameters_the_spec_builds():
    spec = _spec(
        task="translation",
        config="en-fr",
        columns={"input": "en", "label": "fr"},
        hyperparameters={"max_steps": 5},
        output_repo="acme/tiny-translator",
    )

    settings = program.settings_from(program_parameters(spec))
    from_environment = json.loads(program_environment(spec)[PARAMS_VARIABLE])

    assert settings.columns == {"input": "en", "label": "fr"}
    assert (settings.config, settings.output_repo) == ("en-fr", "acme/tiny-translator")
    assert settings.hyperparameters.max_steps == 5
    assert settings.hyperparameters.learning_rate == 5e-5
    assert program.settings_from(from_environment) == settings


def test_the_program_and_the_spec_agree_on_tasks_columns_and_defaults():
    assert {name: task.columns for name, task in TASKS.items()} == program.TASKS
    defaults = asdict(program.Hyperparameters())
    assert defaults == {name: h.default for name, h in HYPERPARAMETERS.items()}
    assert {f.name for f in fields(program.Hyperparameters)} == set(HYPERPARAMETERS)


def test_the_program_refuses_parameters_it_does_not_know():
    with pytest.raises(program.BadInput, match="unknown parameters: learning_rate"):
        program.settings_from({**program_parameters(_spec()), "learning_rate": 1e-3})
