"""Restoring a backup into an empty database and an empty uploads folder.

Order: check the file (key, every checksum), check this code knows every migration
it names, check the target is empty and the secret key matches the seals; then apply
the schema the backup was made with, load every table in one transaction (children
before the rows they point at, so the signed-note triggers see no locked parent, with
foreign keys checked at commit), reset PostgreSQL's sequences, check every signed
note and addendum (``verify_notes``), write the files, commit, and migrate forward.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Model

from sacrum.backups import archive, schema, values
from sacrum.backups.dump import files_folder, key_check
from sacrum.backups.errors import BackupError
from sacrum.charting.signing import seal_keys

# Rows ``migrate`` itself writes into a new database: not a sign of a database in use.
MIGRATE_FILLS = frozenset({"django_content_type", "auth_permission"})
BATCH = 1000


@dataclass(frozen=True)
class RestoreSummary:
    tables: int
    rows: int
    files: int
    verify_report: str


def _tables_with_rows(connection: BaseDatabaseWrapper) -> list[str]:
    if not MigrationRecorder(connection).has_table():
        return []
    leaves = schema.applied_leaves(connection)
    existing = set(connection.introspection.table_names())
    found = []
    for model in schema.backed_up_models(schema.state_apps(leaves)):
        table = model._meta.db_table
        if table in MIGRATE_FILLS or table not in existing:
            continue
        if model._base_manager.using(connection.alias).exists():
            found.append(table)
    return found


def _files_present() -> list[Path]:
    folder = files_folder()
    if folder is None or not folder.is_dir():
        return []
    return [p for p in folder.rglob("*") if p.is_file()]


def _check_migrations(connection: BaseDatabaseWrapper, leaves: dict[str, str]) -> None:
    unknown = schema.unknown_migrations(leaves)
    if unknown:
        raise BackupError(
            "This backup was made by a newer Sacrum (it names migrations this version does "
            f"not have, e.g. {unknown[0]}). Upgrade Sacrum first, then restore."
        )
    executor = MigrationExecutor(connection)
    wanted = set()
    for node in leaves.items():
        wanted |= set(executor.loader.graph.forwards_plan(node))
    ahead = sorted(set(executor.loader.applied_migrations) - wanted)
    if ahead:
        app, name = ahead[0]
        raise BackupError(
            "This database's schema is newer than the backup's (it has "
            f"{app}.{name}). Restore into a new database, where no migration has been applied."
        )


def _check_secret_key(manifest: dict[str, Any]) -> None:
    sealed = sum(
        t["rows"]
        for t in manifest["tables"]
        if t["table"] in ("charting_sessionnote", "charting_addendum")
    )
    if not sealed:
        return
    if any(key_check(secret) == manifest.get("secret_key_check") for _n, secret in seal_keys()):
        return
    raise BackupError(
        "This server's secret key differs from the one the backup was made with, so the "
        "seals of its signed notes could not be verified. Start the restore with the old "
        "server's SACRUM_SECRET_KEY (or list it in SACRUM_SECRET_KEY_FALLBACKS)."
    )


def _batches(rows: Iterator[list[Any]]) -> Iterator[list[list[Any]]]:
    while batch := list(islice(rows, BATCH)):
        yield batch


def _load_table(
    connection: BaseDatabaseWrapper,
    model: type[Model],
    entry: dict[str, Any],
    backup: archive.OpenedBackup,
) -> int:
    fields = {f.column: f for f in model._meta.concrete_fields}
    columns = list(entry["columns"])
    missing = [c for c in columns if c not in fields]
    if missing or set(fields) - set(columns):
        raise BackupError(f"{entry['table']}: the backup's columns do not match its migrations.")
    kinds = [entry["columns"][c] for c in columns]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the schema
        quote(entry["table"]),
        ", ".join(quote(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
    )

    def prepared() -> Iterator[list[Any]]:
        for record in backup.rows(entry):
            yield [
                fields[c].get_db_prep_save(values.decode(k, record[c]), connection)
                for c, k in zip(columns, kinds, strict=True)
            ]

    count = 0
    with connection.cursor() as cursor:
        for batch in _batches(prepared()):
            cursor.executemany(sql, batch)
            count += len(batch)
    if count != entry["rows"]:
        raise BackupError(
            f"{entry['table']}: {count} rows read, the manifest says {entry['rows']}."
        )
    return count


def _write_files(backup: archive.OpenedBackup, written: list[Path]) -> None:
    folder = files_folder()
    entries = backup.manifest["files"]
    if not entries:
        return
    if folder is None:
        raise BackupError("Uploaded files need a local data folder (SACRUM_DATA_DIR).")
    for entry in entries:
        target = folder / entry["path"].removeprefix("files/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(backup.file(entry), target)
        written.append(target)


def restore(
    path: Path,
    *,
    key: str | None,
    replace: bool = False,
    progress: Callable[[str], None] = lambda _line: None,
) -> RestoreSummary:
    """Restore the backup at ``path``; raises ``BackupError`` having written nothing."""
    connection = connections[DEFAULT_DB_ALIAS]
    work = archive.private_folder()
    written: list[Path] = []
    try:
        backup = archive.open_backup(path, key, work)
        manifest = backup.manifest
        progress(
            f"Checked {len(manifest['tables'])} tables and {len(manifest['files'])} files "
            f"against their checksums (backup of {manifest['created_at']}, "
            f"Sacrum {manifest['sacrum_version']}, {manifest['database']})."
        )
        leaves = dict(manifest["migrations"])
        _check_migrations(connection, leaves)
        in_use = _tables_with_rows(connection)
        if in_use and not replace:
            raise BackupError(
                f"This database is not empty ({len(in_use)} tables hold rows, e.g. "
                f"{in_use[0]}). Restore into a new database, or pass --replace to delete "
                "everything in it first."
            )
        present = _files_present()
        if present and not replace:
            raise BackupError(
                f"The uploads folder {files_folder()} is not empty ({len(present)} files). "
                "Restore into an empty data folder, or pass --replace."
            )
        _check_secret_key(manifest)

        progress("Applying the backup's schema…")
        executor = MigrationExecutor(connection)
        targets = list(leaves.items())
        executor.migrate(targets, plan=executor.migration_plan(targets))
        models = {m._meta.db_table: m for m in schema.backed_up_models(schema.state_apps(leaves))}
        entries = {t["table"]: t for t in manifest["tables"]}
        if set(entries) != set(models):
            raise BackupError("The backup's tables do not match the migrations it names.")

        with transaction.atomic(using=connection.alias):
            call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
            rows = 0
            ordered = schema.children_first(models.values())
            for number, model in enumerate(ordered, 1):
                count = _load_table(connection, model, entries[model._meta.db_table], backup)
                rows += count
                progress(f"[{number}/{len(ordered)}] {model._meta.db_table}: {count} rows")
            reset = connection.ops.sequence_reset_sql(no_style(), list(models.values()))
            if reset:
                with connection.cursor() as cursor:
                    for statement in reset:
                        cursor.execute(statement)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:  # foreign keys now, not at commit
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            else:
                connection.check_constraints()
            report = io.StringIO()
            try:
                call_command("verify_notes", stdout=report, stderr=report)
            except CommandError as exc:
                raise BackupError(
                    "The restored signed notes do not verify, so nothing was restored:\n"
                    + report.getvalue()
                ) from exc
            for extra in present:  # only with --replace; the database has loaded by now
                extra.unlink()
            _write_files(backup, written)
        progress("Migrating to this version of Sacrum…")
        call_command("migrate", interactive=False, verbosity=0)
        return RestoreSummary(len(models), rows, len(written), report.getvalue().strip())
    except BaseException:
        for file in written:
            file.unlink(missing_ok=True)
        raise
    finally:
        archive.remove(work)
