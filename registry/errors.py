"""Domain errors. Each carries its HTTP status and the X-Error-Code the clients map."""


class HubError(Exception):
    status = 400
    code = "BadRequest"
    message = "Bad request"

    def __init__(
        self,
        message: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        body: dict | None = None,
    ):
        self.message = message or self.message
        self.headers = headers or {}
        self.body = body or {}  # extra JSON fields some clients read, e.g. `url` on a 409
        super().__init__(self.message)


class BadRequest(HubError):
    pass


class InvalidName(BadRequest):
    code = "InvalidName"


class PathOutsideRepo(InvalidName):
    # The Hub's status for a path that climbs out of its folder (`../x`, `..\\x`).
    status = 422


class InvalidCredentials(HubError):
    # huggingface_hub treats exactly this text as "bad token", not "repo not found".
    status = 401
    code = "InvalidCredentials"
    message = "Invalid credentials in Authorization header"


class AuthenticationRequired(HubError):
    status = 401
    code = "AuthenticationRequired"
    message = "You must be authenticated to access this endpoint"


class Forbidden(HubError):
    status = 403
    code = "Forbidden"
    message = "You don't have the rights to perform this action"


class PolicyRefused(Forbidden):
    # A write the namespace's policy forbids (an organization requiring signed commits).
    code = "PolicyRefused"


class SignInRefused(Forbidden):
    code = "SignInRefused"


class NotFound(HubError):
    status = 404
    code = "NotFound"
    message = "Not found"


class RepoNotFound(HubError):
    # The Hub answers 401 to anonymous callers and 404 to signed-in ones, for private and
    # missing repos alike, so existence never leaks.
    status = 404
    code = "RepoNotFound"
    message = "Repository not found"

    def __init__(self, message: str | None = None, *, anonymous: bool = False, **kwargs):
        super().__init__(message, **kwargs)
        if anonymous:
            self.status = 401


class GatedRepo(HubError):
    # huggingface_hub maps this code to GatedRepoError; the Hub answers 401 to anonymous
    # callers and 403 to signed-in ones without access.
    status = 403
    code = "GatedRepo"
    message = "This repository is gated"

    def __init__(self, message: str | None = None, *, anonymous: bool = False, **kwargs):
        super().__init__(message, **kwargs)
        if anonymous:
            self.status = 401


class RevisionNotFound(HubError):
    status = 404
    code = "RevisionNotFound"
    message = "Invalid rev id"


class EntryNotFound(HubError):
    status = 404
    code = "EntryNotFound"
    message = "Entry not found"


class MethodNotAllowed(HubError):
    status = 405
    code = "MethodNotAllowed"
    message = "Method not allowed"


class Conflict(HubError):
    status = 409
    code = "Conflict"
    message = "Conflict"


class PreconditionFailed(HubError):
    status = 412
    code = "PreconditionFailed"
    message = "The branch was updated since you opened this page. Please refresh and try again."


class PayloadTooLarge(HubError):
    status = 413
    code = "PayloadTooLarge"
    message = "Request body too large"


class UnsupportedMediaType(HubError):
    status = 415
    code = "UnsupportedMediaType"
    message = "Unsupported media type"


class RangeNotSatisfiable(HubError):
    status = 416
    code = "RangeNotSatisfiable"
    message = "Requested range not satisfiable"


class InternalError(HubError):
    status = 500
    code = "InternalError"
    message = "Internal server error"


class NotImplementedByHub(HubError):
    status = 501
    code = "NotImplemented"
    message = "Not implemented"


class ServiceUnavailable(HubError):
    status = 503
    code = "ServiceUnavailable"
    message = "Service unavailable"


class RepoMoved(HubError):
    """The repo was renamed or moved: clients follow the redirect, as on the Hub."""

    status = 307
    code = "RepoMoved"
    message = "Repository moved"

    def __init__(self, *, old_id: str, new_id: str):
        super().__init__(f"Repository moved to {new_id}")
        self.old_id, self.new_id = old_id, new_id

    def location(self, full_path: str) -> str:
        return full_path.replace(f"/{self.old_id}", f"/{self.new_id}", 1)


class StorageQuotaExceeded(HubError):
    # A 4xx the client does not retry: the upload cannot succeed until something is deleted.
    status = 413
    code = "StorageQuotaExceeded"
    message = "Storage quota exceeded"


class TooManyRequests(HubError):
    # huggingface_hub waits for the `RateLimit` header's `t` (or Retry-After) and retries.
    status = 429
    code = "TooManyRequests"
    message = "Too many requests"


class ScanRefused(HubError):
    # An organization that requires scans to pass refuses a commit adding an unsafe file.
    status = 422
    code = "ScanRefused"


class FileQuarantined(HubError):
    # The hub's own workers never load a file its scanner judged unsafe or could not read.
    status = 422
    code = "FileQuarantined"
