"""The kernel: what every app shares, importing no app of its own.

Domain errors, the role check, the page guard, form-error mapping, e-mail sending,
capability links and the append-only guard live here. Apps import the kernel; the
kernel imports Django and the standard library only (docs/architecture.md).
"""
