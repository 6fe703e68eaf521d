"""`sacrum worker`: runs background jobs (django-tasks' database worker under our name)."""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker


class Command(DatabaseWorker):
    help = "Run Sacrum's background jobs (e-mail, reminders, reports) from the database queue."
