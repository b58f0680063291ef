"""The signed-in person behind a request, as the ``User`` that services store.

``request.user`` is typed ``User | AnonymousUser``; services that record who acted in a
foreign key to ``orgs.User`` (created_by, decided_by, the application events ...) take a
``User``. Views behind ``login_required`` and API routes behind the token or session auth
narrow ``request.user`` once with :func:`authenticated_user` and pass it on. Services that only
read roles and jurisdiction take ``core.actor.Actor``, which ``request.user`` satisfies as it is.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from govapp.core.errors import NotAllowed
from govapp.orgs.models import User


def authenticated_user(request: HttpRequest) -> User:
    """``request.user`` as the signed-in, active ``User``; refuses (403) anyone else, which a
    view behind ``login_required`` or an authenticated API route never meets."""
    user = request.user
    if isinstance(user, User) and user.is_authenticated and user.is_active:
        return user
    raise NotAllowed(_("请先登录。"))
