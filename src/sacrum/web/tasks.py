"""Jobs queued before e-mail sending moved to ``sacrum.kernel.mail`` name these paths.

The job queue stores a task's import path; a clinic upgrading with mail still in its
queue must find the task where the row says it is.
"""

from sacrum.kernel.mail import send_email, send_message

__all__ = ["send_email", "send_message"]
