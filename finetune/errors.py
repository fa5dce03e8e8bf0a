"""Fine-tune errors: each carries its HTTP status and X-Error-Code, as every hub error does."""

from registry.errors import BadRequest


class InvalidFinetune(BadRequest):
    code = "InvalidFinetune"
