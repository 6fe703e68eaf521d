"""Which tables a backup holds, as of which migrations, and in which order they load.

A backup is read and restored with the *historical* models of the migrations applied
to the database (Django's migration state), not with today's models: a backup made
by an older Sacrum loads into the schema it was made with and is then migrated
forward like any database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.apps.registry import Apps
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.models import Model

from sacrum.backups import values

# The server's own record of its backups describes files on that server, not the practice.
NOT_BACKED_UP = frozenset({"backups_backuprun"})


def applied_leaves(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """The last applied migration of each app (the one with the longest history)."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    applied = set(loader.applied_migrations)
    best: dict[str, tuple[int, str]] = {}
    for app, name in applied:
        depth = len(loader.graph.forwards_plan((app, name)))
        if app not in best or depth > best[app][0]:
            best[app] = (depth, name)
    return {app: name for app, (_depth, name) in sorted(best.items())}


def unknown_migrations(leaves: Mapping[str, str]) -> list[str]:
    """Migrations a backup names that this code does not have (the backup is newer)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return [
        f"{app}.{name}" for app, name in leaves.items() if (app, name) not in loader.graph.nodes
    ]


def state_apps(leaves: Mapping[str, str]) -> Apps:
    """The models as they were after ``leaves`` (every app at its named migration)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    state = loader.project_state(nodes=list(leaves.items()), at_end=True)
    return state.apps


def backed_up_models(apps: Apps) -> list[type[Model]]:
    """Every table-owning model, m2m link tables included, in a stable order."""
    models = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed
        and not m._meta.proxy
        and not m._meta.swapped
        and m._meta.db_table not in NOT_BACKED_UP
    ]
    return sorted(models, key=lambda m: m._meta.db_table)


def columns(model: type[Model]) -> list[tuple[str, str]]:
    """(column, kind) of each stored field of the model."""
    return [
        (str(field.column), values.kind(field))
        for field in model._meta.concrete_fields
        if not getattr(field, "generated", False)
    ]


def attnames(model: type[Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


def children_first(models: Iterable[type[Model]]) -> list[type[Model]]:
    """Tables ordered so each comes before every table it points at.

    Loading in this order means no parent row exists yet when its children arrive, so
    a trigger that guards a parent's children (a signed note's findings) has nothing to
    refuse; foreign keys are deferred and checked when the restore commits.
    """
    models = list(models)
    by_table = {m._meta.db_table: m for m in models}
    parents: dict[str, set[str]] = {t: set() for t in by_table}
    for table, model in by_table.items():
        for field in model._meta.concrete_fields:
            remote = getattr(field, "related_model", None)
            if remote is not None and not isinstance(remote, str):
                target = remote._meta.db_table
                if target in by_table and target != table:
                    parents[table].add(target)
    # Kahn's algorithm on "is pointed at by": a table goes once nothing left points at it.
    referrers: dict[str, set[str]] = {t: set() for t in by_table}
    for child, targets in parents.items():
        for parent in targets:
            referrers[parent].add(child)
    order: list[str] = []
    ready = sorted(t for t, r in referrers.items() if not r)
    while ready:
        table = ready.pop(0)
        order.append(table)
        for parent in sorted(parents[table]):
            referrers[parent].discard(table)
            if not referrers[parent] and parent not in order and parent not in ready:
                ready.append(parent)
    order += sorted(t for t in by_table if t not in order)  # cycles: keys are deferred anyway
    return [by_table[t] for t in order]


def describe(model: type[Model]) -> dict[str, Any]:
    return {"table": model._meta.db_table, "model": model._meta.label_lower}
