from registry.errors import HubError, ServiceUnavailable


class SpaceNotRunning(ServiceUnavailable):
    """The app cannot answer now: asleep and waking, building, paused or failed."""

    code = "SpaceNotRunning"

    def __init__(self, message: str, *, retry_after: int | None = None):
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        super().__init__(message, headers=headers)


class SpaceAppUnreachable(HubError):
    status = 502
    code = "BadGateway"
    message = "The Space's app did not answer"


class SpaceAppGone(SpaceAppUnreachable):
    """The app's socket refused the connection: nothing was sent to it."""
