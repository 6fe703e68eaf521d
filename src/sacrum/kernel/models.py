"""The append-only guard: rows that record what happened are added, never changed.

The audit log, addenda, access reasons and consent signatures share it. The database
refuses too (triggers in each app's migrations); this guard makes the refusal a
``Locked`` error with words a person can read, before the database is asked.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from sacrum.kernel.errors import Locked


class RefusesBulkChanges:
    """QuerySet mixin: ``update()`` and ``delete()`` on append-only rows raise ``Locked``.

    Listed before the QuerySet class it guards, so its methods win.
    """

    locked_message: ClassVar[str] = "These records are append-only."

    def update(self, **kwargs: Any) -> int:
        raise Locked(self.locked_message)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise Locked(self.locked_message)


class AppendOnly(models.Model):
    """Abstract model: a saved row is never saved again nor deleted."""

    locked_message: ClassVar[str] = "This record is append-only."

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise Locked(self.locked_message)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise Locked(self.locked_message)
