from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "sacrum.notifications"
    label = "notifications"
    verbose_name = "Notifications"
