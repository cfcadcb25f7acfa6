from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "gonghui.platform.security"
    label = "gonghui_security"
    verbose_name = "Security"

    def ready(self):
        from gonghui.platform.security import checks, signals  # noqa: F401  (registration)
