"""What every interface (API views, pages, the apps' views) reads off a request: the actor,
and the marks that say how a route treats a token's role."""

from collections.abc import Callable
from typing import TypeVar

from django.http import HttpRequest

from registry.permissions import Actor

V = TypeVar("V", bound=Callable)

# Methods that never change anything; every other method with a read token is refused by
# TokenAuthMiddleware unless the route is marked `read_token_allowed`.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def actor(request: HttpRequest) -> Actor:
    return Actor(request.user, getattr(request, "hub_token", None))


def read_token_allowed(view: V) -> V:
    """Marks a route whose POSTs only read (paths-info, the LFS batch, a clone's
    upload-pack, inference) or that authorise with their own signed links: a read token
    reaches the view, and the view asks the permission module as usual."""
    view.read_token_allowed = True
    return view


def session_only(view: V) -> V:
    """Marks a route that manages credentials or memberships: no bearer token reaches it."""
    view.session_only = True
    return view


def route_marks(view: Callable) -> tuple[bool, bool]:
    """(read_token_allowed, session_only) of a resolved view: a function, or a class view."""
    target = getattr(view, "view_class", view)
    return (
        bool(getattr(target, "read_token_allowed", False)),
        bool(getattr(target, "session_only", False)),
    )
