"""The public registry's only table: a version counter that invalidates cached lookups."""

from __future__ import annotations

from django.db import models


class PublicRegistryVersion(models.Model):
    """One row (id=1).  Bumped on every filing change; cached public answers are keyed by it,
    so every web process sees a change at once, whatever cache backend it uses."""

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "public registry version"

    def __str__(self) -> str:
        return str(self.version)
