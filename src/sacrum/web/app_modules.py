"""Find the module of one name (``demo``, ``dashboard``, ``periodic``) in each Sacrum app."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.apps import apps
from django.utils.module_loading import module_has_submodule


def app_modules(name: str, attribute: str) -> list[ModuleType]:
    """Each Sacrum app's ``<app>.<name>`` module that defines ``attribute``, in INSTALLED_APPS order.

    Apps without the module are skipped; a module that exists but fails to import raises.
    Unlike Django's ``autodiscover_modules``, other installed apps are never imported from,
    and the modules are returned rather than expected to register themselves.
    """
    found = []
    for config in apps.get_app_configs():
        if config.name.startswith("sacrum.") and module_has_submodule(config.module, name):
            module = import_module(f"{config.name}.{name}")
            if hasattr(module, attribute):
                found.append(module)
    return found
