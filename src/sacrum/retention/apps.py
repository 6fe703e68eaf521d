from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "sacrum.retention"
    label = "retention"
    verbose_name = "Retention and erasure"
