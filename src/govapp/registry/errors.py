"""Errors of the registry: refusals a person can understand and act on (subclasses of
``core.errors``, so one API handler and one view helper answer them)."""

from __future__ import annotations

import logging

from govapp.core.errors import Conflict, GovappError
from govapp.core.errors import NotAllowed as CoreNotAllowed
from govapp.registry.models import (
    ApplicationState,
)

S = ApplicationState
log = logging.getLogger(__name__)


class RegistryError(GovappError):
    """A refusal a person can understand and act on (400 with field errors, else 409)."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message, errors)
        self.status_code = 400 if self.errors else 409  # type: ignore[misc]


class StaleVersion(RegistryError, Conflict):
    """Someone changed the application since it was loaded."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message, errors)
        self.status_code = 409  # type: ignore[misc]


class NotAllowed(RegistryError, CoreNotAllowed):
    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message, errors)
        self.status_code = 403  # type: ignore[misc]
