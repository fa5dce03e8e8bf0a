"""Inference errors. Workers send them back as answers: {"error": {"code", "message"}}."""

from registry.errors import FileQuarantined, HubError


class UnsupportedTask(HubError):
    code = "UnsupportedTask"


class InvalidInputs(HubError):
    code = "InvalidInputs"

    def __init__(self, message: str | None = None, *, param: str | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.param = param  # the request field at fault, for OpenAI-style error objects


class ContextLengthExceeded(InvalidInputs):
    code = "ContextLengthExceeded"


class ChatTemplateMissing(UnsupportedTask):
    code = "ChatTemplateMissing"


class InputTooLarge(HubError):
    status = 413
    code = "InputTooLarge"


class WeightsMissing(HubError):
    status = 422
    code = "WeightsMissing"


class PickledWeightsRefused(HubError):
    status = 422
    code = "PickledWeightsRefused"


class WeightsCorrupt(HubError):
    status = 422
    code = "WeightsCorrupt"


class ModelLoadFailed(HubError):
    status = 422
    code = "ModelLoadFailed"


class ModelTooLarge(HubError):
    # 507: the server cannot hold what the request needs; an operator can raise the limit.
    status = 507
    code = "ModelTooLarge"


class ModelLoading(HubError):
    """The Hub's answer while a model loads: 503 with `estimated_time` in the JSON body."""

    status = 503
    code = "ModelLoading"

    def __init__(self, repo_id: str, estimated_time: float):
        super().__init__(
            f"Model {repo_id} is currently loading",
            body={"estimated_time": estimated_time},
            headers={"Retry-After": str(max(1, round(estimated_time)))},
        )


class InferenceTimeout(HubError):
    status = 504
    code = "InferenceTimeout"


class InferenceUnavailable(HubError):
    status = 503
    code = "InferenceUnavailable"


class InferenceWorkerLost(HubError):
    status = 503
    code = "InferenceWorkerLost"
    message = "The worker running this request stopped before answering; please retry"


class InferenceFailed(HubError):
    status = 500
    code = "InferenceFailed"


# Errors a worker may answer with; anything else it reports is an InferenceFailed.
_ANSWERABLE = {
    cls.code: cls
    for cls in (
        UnsupportedTask,
        InvalidInputs,
        ContextLengthExceeded,
        ChatTemplateMissing,
        InputTooLarge,
        WeightsMissing,
        PickledWeightsRefused,
        FileQuarantined,
        WeightsCorrupt,
        ModelLoadFailed,
        ModelTooLarge,
        InferenceTimeout,
        InferenceUnavailable,
        InferenceWorkerLost,
    )
}


def error_answer(exc: HubError) -> dict:
    param = getattr(exc, "param", None)
    return {
        "error": {"code": exc.code, "message": exc.message, **({"param": param} if param else {})}
    }


def error_from_answer(answer: dict) -> HubError:
    error = answer["error"]
    exc = _ANSWERABLE.get(error["code"], InferenceFailed)(error["message"])
    if error.get("param"):
        exc.param = error["param"]
    return exc
