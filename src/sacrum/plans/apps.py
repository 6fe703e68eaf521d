from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "sacrum.plans"
    label = "plans"
    verbose_name = "Treatment plans"
