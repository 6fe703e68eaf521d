"""Why a backup or a restore stopped: a sentence for the owner, never health data."""


class BackupError(Exception):
    """A backup could not be made or read, or a restore was refused; nothing was written."""
