"""Where each app plugs its part of "my data" in, without identity importing it.

An app registers, in its ``AppConfig.ready()``:

- an **export section** (``register_export_section``): a key (the JSON's ``sections.<key>``) and a function
  ``collect(user) -> SectionData``: JSON-ready records (dates as ISO strings) and the stored files that go into
  the archive beside them. Complaints and messages add theirs the same way.
- a **closing hook** (``register_closing_hook``): called as ``hook(user)`` inside the transaction that closes the
  account, before the account is deactivated; it may raise a ``DomainError`` to refuse the closing (the whole
  transaction rolls back). ``register_closing_check`` adds a read-only question asked before the confirmation
  page: what would closing do to this app's records (listed to the applicant).
- a **retention rule** (``register_retention_rule``): a record type (a key of ``MY_DATA_RETENTION_DAYS``) and
  ``apply(user) -> dict[str, int]`` that anonymises or deletes that type's records of a closed account once its
  period has run, returning what it did (counts). It must be idempotent: it runs again when nothing is left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile

    from identity.models import User


@dataclass(frozen=True)
class ExportFile:
    """A stored file to copy into the archive as ``path`` (inside the archive, under ``files/``)."""

    path: str
    file: FieldFile
    sha256: str  # as recorded when the file was stored; the archive's JSON repeats the copy's own checksum
    section: str
    record_id: int | str


@dataclass
class SectionData:
    records: list[dict[str, Any]] | dict[str, Any]
    files: list[ExportFile] = field(default_factory=list)


@dataclass(frozen=True)
class ExportSection:
    key: str
    collect: Callable[[User], SectionData]
    description: str = ""  # one line for the archive's README (English: the JSON's field names are English)


export_sections: list[ExportSection] = []
closing_hooks: list[Callable[[User], None]] = []
closing_checks: list[Callable[[User], list[dict[str, Any]]]] = []


@dataclass(frozen=True)
class RetentionRule:
    record_type: str  # a key of settings.MY_DATA_RETENTION_DAYS
    apply: Callable[[User], dict[str, int]]
    name: str  # unique, for the audit log: "<app>.<what>"


retention_rules: list[RetentionRule] = []


def register_export_section(section: ExportSection) -> ExportSection:
    """Add ``section`` once (``ready()`` may run more than once in tests); a key is taken only once."""
    if all(existing.key != section.key for existing in export_sections):
        export_sections.append(section)
    return section


def register_closing_hook(hook: Callable[[User], None]) -> Callable[[User], None]:
    if hook not in closing_hooks:
        closing_hooks.append(hook)
    return hook


def register_closing_check(check: Callable[[User], list[dict[str, Any]]]) -> Callable:
    if check not in closing_checks:
        closing_checks.append(check)
    return check


def register_retention_rule(rule: RetentionRule) -> RetentionRule:
    if all(existing.name != rule.name for existing in retention_rules):
        retention_rules.append(rule)
    return rule
