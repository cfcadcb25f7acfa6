"""The register of personal-information fields (PIPL Art. 51, GB/T 35273 processing record).

Each app lists its PI fields in ``<app>/pii.py`` as ``PI_FIELDS`` and the fields that look
personal but are not in ``NOT_PI`` with a reason. A test walks every model and fails when an
encrypted or PI-named field is in neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from django.apps import apps

SENSITIVITY = ("personal", "sensitive")  # PIPL: 个人信息 / 敏感个人信息


@dataclass(frozen=True)
class PIField:
    category: str  # id_number, phone, name, bank_card, address, health, family, ...
    sensitivity: str
    purpose: str

    def __post_init__(self):
        if self.sensitivity not in SENSITIVITY:
            raise ValueError(f"sensitivity must be one of {SENSITIVITY}")


_registry: dict[str, PIField] = {}
_not_pi: dict[str, str] = {}
_loaded = False


def _load() -> None:
    global _loaded
    if _loaded:
        return
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.pii")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.pii":
                raise
            continue
        _registry.update(getattr(module, "PI_FIELDS", {}))
        _not_pi.update(getattr(module, "NOT_PI", {}))
    _loaded = True


def key(model, field_name: str) -> str:
    return f"{model._meta.label}.{field_name}"


def lookup(model, field_name: str) -> PIField | None:
    _load()
    return _registry.get(key(model, field_name))


def all_fields() -> dict[str, PIField]:
    _load()
    return dict(_registry)


def not_pi() -> dict[str, str]:
    _load()
    return dict(_not_pi)
