"""Sacrum's own errors: what a service refuses, in words a person can act on.

Pages and the API map them to HTTP (403, 409) in one place each. Python's built-in
error for a file the server may not open is an ``OSError``; were it used for "your role
does not allow this", a real server fault would come back as a quiet 403. An OS error
stays a 500, logged.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refusal a user can understand; ``message`` is safe to show them."""

    default = "Not allowed."

    def __init__(self, message: str = "", fields: dict[str, str] | None = None) -> None:
        self.message = message or self.default
        self.fields = fields or {}
        super().__init__(self.message)


class Forbidden(DomainError):
    """The actor's role, clinic or relation to the record does not allow this (HTTP 403)."""

    default = "Your role in this clinic does not allow this."


class Conflict(DomainError):
    """A write that would break an invariant someone else already holds (HTTP 409)."""

    default = "This conflicts with the current state of the record."


class Locked(Forbidden):
    """The record is signed, sealed or append-only and cannot change (HTTP 403).

    A subclass of ``Forbidden`` so every door that refuses a forbidden write refuses
    this one the same way (the API has always answered 403 here).
    """

    default = "This record is locked and cannot be changed."
