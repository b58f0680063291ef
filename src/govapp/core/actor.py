"""Who acts: the one type for the person behind a service call (issue 9 item 6).

Services and selectors take ``actor`` (or ``user``) typed as :class:`Actor` rather than
``Any``. The concrete class is ``orgs.User`` (or Django's ``AnonymousUser`` for public pages,
which ``restrict`` answers with nothing); core imports no domain app, so the type is a
structural :class:`~typing.Protocol` listing what the jurisdiction filter and the services
read: identity, whether the person is signed in and active, and the grants that carry their
roles and jurisdiction (division or unit). Everything else a service needs about the person
(their unit, display name) it reads from ``orgs`` with the person's id.
"""

from __future__ import annotations

from typing import Any, Protocol


class Actor(Protocol):
    """The authenticated user as services see it (``request.user``, a token's user)."""

    @property
    def pk(self) -> Any: ...

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def is_superuser(self) -> bool: ...

    def get_username(self) -> str: ...
