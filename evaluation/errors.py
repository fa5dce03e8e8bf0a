"""Evaluation errors: each carries its HTTP status and X-Error-Code, as every hub error does."""

from registry.errors import BadRequest, HubError, NotFound


class InvalidEvaluation(BadRequest):
    code = "InvalidEvaluation"


class EvaluationNotFound(NotFound):
    code = "EvaluationNotFound"
    message = "Evaluation job not found"


class LeaderboardNotFound(NotFound):
    code = "LeaderboardNotFound"
    message = "Leaderboard not found"


class JobNotFinished(HubError):
    status = 409
    code = "JobNotFinished"


class EvaluationFailed(HubError):
    """Why a job failed, recorded on the job: the worker raises these for bad models or data."""

    status = 422
    code = "EvaluationFailed"


class DatasetUnreadable(EvaluationFailed):
    code = "DatasetUnreadable"


class ColumnMissing(EvaluationFailed):
    code = "ColumnMissing"


class LabelMismatch(EvaluationFailed):
    code = "LabelMismatch"
