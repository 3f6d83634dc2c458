"""The main navigation: which links a visitor, an applicant or a staff member sees, and which one is current.

A context processor, so every page that extends ``base.html`` gets ``main_nav`` without its view knowing.
A link is ``aria-current="page"`` on its own page and ``aria-current="true"`` on the pages of its section
(an application's steps belong to "My applications"), as the GOV.UK service navigation does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from identity.models import User


@dataclass(frozen=True)
class Section:
    label: Promise
    url_name: str
    # Views (``namespace:name``, or ``namespace:`` for a whole namespace) that belong to this section.
    views: tuple[str, ...]
    shown_to: Callable[[User], bool]


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: str  # "page", "true" or "" (not current)


def _everyone(user: User | AnonymousUser) -> bool:
    return True


def _applicants(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.is_applicant


def _staff(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and not user.is_applicant


def _officers(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.is_officer


def _administrators(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.is_staff


SECTIONS: tuple[Section, ...] = (
    Section(_("Home"), "home", ("home",), _everyone),
    Section(
        _("Procedure guide"),
        "applications:guide",
        ("applications:guide", "applications:guide-answer", "applications:guide-checklist"),
        _everyone,
    ),
    Section(
        _("Territorial units"),
        "applications:units",
        ("applications:units", "applications:unit-detail"),
        _everyone,
    ),
    Section(_("Contact"), "applications:contact", ("applications:contact",), _everyone),
    Section(
        _("My applications"),
        "applications:dashboard",
        (
            "applications:dashboard",
            "applications:new",
            "applications:detail",
            "applications:step",
            "applications:document-upload",
            "applications:document-delete",
            "applications:submit",
            "applications:withdraw",
            "applications:delete",
            "applications:registration",
            "applications:registration-choose",
            "applications:new-for-person",
            "applications:invite",
            "applications:invitations",
            "applications:invitation-accept",
            "applications:claim",
            "applications:visit",
            "applications:visit-cancel",
            "payments:",
        ),
        _applicants,
    ),
    Section(
        _("Profile"),
        "identity:profile",
        (
            "identity:profile",
            "identity:password_change",
            "identity:totp_setup",
            "identity:totp_disable",
            "identity:access_log",
        ),
        _applicants,
    ),
    Section(
        _("Case queue"),
        "decisions:backoffice-queue",
        ("decisions:backoffice-",),
        _officers,
    ),
    Section(
        _("Registrations"),
        "decisions:registrations",
        ("decisions:registrations", "decisions:unit-registrations", "decisions:registration-action"),
        _officers,
    ),
    Section(
        _("Counter"),
        "applications:counter-start",
        ("applications:counter-", "payments:counter-"),
        _officers,
    ),
    Section(
        _("Visits today"),
        "applications:backoffice-visits",
        ("applications:backoffice-visit",),
        _officers,
    ),
    # Staff have no applications and no applicant profile: their account pages are sign-in security.
    Section(
        _("Account security"),
        "identity:totp_setup",
        ("identity:totp_setup", "identity:totp_disable", "identity:password_change"),
        _staff,
    ),
    Section(_("Administration"), "admin:index", ("admin:",), _administrators),
)


def _current(section: Section, view_name: str) -> str:
    if view_name == section.url_name:
        return "page"
    for name in section.views:
        if view_name == name or (name.endswith((":", "-")) and view_name.startswith(name)):
            return "true"
    return ""


def build_main_nav(*, user: User | AnonymousUser, view_name: str) -> list[NavLink]:
    return [
        NavLink(label=str(section.label), url=reverse(section.url_name), current=_current(section, view_name))
        for section in SECTIONS
        if section.shown_to(user)
    ]


def main_navigation(request: HttpRequest) -> dict[str, object]:
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None) or AnonymousUser()  # error pages may render before authentication
    return {"main_nav": build_main_nav(user=user, view_name=match.view_name if match else "")}
