from __future__ import annotations

import os

import pytest
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse

from tests.factories import UserFactory
from tests.otp import add_totp, verify_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(settings, tmp_path):
    settings.DEBUG = True
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    connections = []  # kept alive: the file backend names its file after the connection's id()

    def connection():
        connections.append(
            get_connection(
                "django.core.mail.backends.filebased.EmailBackend", file_path=str(tmp_path / "mail")
            )
        )
        return connections[-1]

    EmailMessage(
        "Older message", "First body", "noreply@pmlp.gov.lv", ["a@example.lv"], connection=connection()
    ).send()
    older = next((tmp_path / "mail").iterdir())
    os.utime(older, (1_700_000_000, 1_700_000_000))
    EmailMessage(
        "Apstipriniet savu e-pasta adresi",
        "Labdien! Ссылка",
        "noreply@pmlp.gov.lv",
        ["b@example.lv"],
        connection=connection(),
    ).send()
    newer = next(path for path in (tmp_path / "mail").iterdir() if path != older)
    return {"older": older.name, "newer": newer.name}


@pytest.fixture
def staff(client):
    user = UserFactory(administrator=True)
    client.force_login(user)
    verify_session(client, add_totp(user))
    return client


def test_staff_sees_the_files_newest_first(staff, mailbox):
    response = staff.get(reverse("workers:mailbox"))

    assert response.status_code == 200
    names = [file["name"] for file in response.context["files"]]
    assert names == [mailbox["newer"], mailbox["older"]]


def test_staff_reads_one_message(staff, mailbox):
    response = staff.get(reverse("workers:mailbox-file", args=[mailbox["newer"]]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Apstipriniet savu e-pasta adresi" in content
    assert "Labdien! Ссылка" in content
    assert "b@example.lv" in content


def test_mailbox_does_not_exist_without_debug(staff, mailbox, settings):
    settings.DEBUG = False
    assert staff.get(reverse("workers:mailbox")).status_code == 404
    assert staff.get(reverse("workers:mailbox-file", args=[mailbox["newer"]])).status_code == 404


def test_mailbox_is_hidden_from_applicants_and_officers(client, staff_client_for, mailbox):
    client.force_login(UserFactory(applicant=True))
    officer = staff_client_for(UserFactory(case_officer=True))  # with the code, but not an administrator
    for signed_in in (client, officer):
        assert signed_in.get(reverse("workers:mailbox")).status_code == 404
        assert signed_in.get(reverse("workers:mailbox-file", args=[mailbox["newer"]])).status_code == 404


def test_mailbox_needs_the_second_factor(client, mailbox):
    client.force_login(UserFactory(administrator=True))
    response = client.get(reverse("workers:mailbox"))
    assert response.status_code == 302 and response["Location"] == reverse("identity:totp_setup")


def test_mailbox_is_hidden_from_anonymous_visitors(client, mailbox):
    assert client.get(reverse("workers:mailbox")).status_code == 404


@pytest.mark.parametrize("name", ["..", ".hidden", "..%2Fsettings.py", "no-such-file.log"])
def test_mailbox_serves_only_files_of_its_folder(staff, mailbox, name):
    assert staff.get(f"/dev/mailbox/{name}/").status_code == 404


def test_mailbox_without_a_folder_is_empty(staff, settings, tmp_path):
    settings.DEBUG = True
    settings.EMAIL_FILE_PATH = tmp_path / "nothing-here"
    response = staff.get(reverse("workers:mailbox"))
    assert response.status_code == 200
    assert response.context["files"] == []


def test_outbox_admin_never_shows_a_live_account_link(admin_client):
    from workers.services import notify

    recipient = UserFactory()
    notification = notify(
        recipient=recipient,
        event="verify_email",
        context={
            "verification_url": "https://eservice.example.lv/verify-email/?token=SECRET123",
            "valid_hours": 48,
        },
    )
    page = admin_client.get(reverse("admin:workers_notification_change", args=[notification.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "SECRET123" not in html
    assert "valid_hours" in html


def test_a_sent_row_keeps_no_copy_of_the_link():
    from django.core import mail

    from workers.services import notify, send_notification

    recipient = UserFactory(preferred_language="en")
    url = "https://eservice.example.lv/verify-email/?token=SECRET456"
    notification = notify(
        recipient=recipient, event="verify_email", context={"verification_url": url, "valid_hours": 48}
    )
    send_notification(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == "sent"
    assert url in mail.outbox[0].body
    assert notification.context == {"verification_url": "•••", "valid_hours": 48}
