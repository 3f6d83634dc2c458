"""Change password (revokes API refresh tokens) and password reset (same answer whether or not the
address exists)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils import translation

from identity.models import RefreshToken
from identity.services.api_tokens import issue_token_pair
from tests.factories import PASSWORD, UserFactory
from tests.otp import add_totp, verify_session
from workers.models import Notification

pytestmark = pytest.mark.django_db

NEW = "Jauna-parole-ziema-2031"


def _without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


class TestChangePassword:
    url = "/password/change/"

    def test_needs_sign_in(self, client):
        response = client.get(self.url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")

    def test_changes_password_and_revokes_refresh_tokens(self, client, applicant):
        issue_token_pair(user=applicant)
        client.force_login(applicant)
        response = client.post(
            self.url, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
        )
        assert response.status_code == 302
        applicant.refresh_from_db()
        assert applicant.check_password(NEW)
        assert not RefreshToken.objects.filter(user=applicant, revoked_at__isnull=True).exists()
        # Still signed in on this browser.
        assert client.get("/account/profile/").status_code == 200

    def test_wrong_old_password_changes_nothing(self, client, applicant):
        issue_token_pair(user=applicant)
        client.force_login(applicant)
        response = client.post(
            self.url, {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW}
        )
        assert response.status_code == 400
        applicant.refresh_from_db()
        assert applicant.check_password(PASSWORD)
        assert RefreshToken.objects.filter(user=applicant, revoked_at__isnull=True).exists()

    def test_weak_new_password_is_refused(self, client, applicant):
        client.force_login(applicant)
        response = client.post(
            self.url, {"old_password": PASSWORD, "new_password1": "1234", "new_password2": "1234"}
        )
        assert response.status_code == 400
        applicant.refresh_from_db()
        assert applicant.check_password(PASSWORD)

    def test_unverified_staff_session_is_sent_to_totp_setup(self, client, case_officer):
        client.force_login(case_officer)
        response = client.get(self.url)
        assert response.status_code == 302 and response["Location"] == "/account/two-step/"

    def test_verified_staff_can_change(self, client, case_officer):
        device = add_totp(case_officer)
        client.force_login(case_officer)
        verify_session(client, device)
        assert client.get(self.url).status_code == 200


class TestPasswordReset:
    url = "/password/reset/"

    def test_same_answer_for_known_and_unknown_address(
        self, client, applicant, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            known = client.post(self.url, {"email": applicant.email})
            unknown = client.post(self.url, {"email": "nobody@example.lv"})
        assert known.status_code == unknown.status_code == 302
        assert known["Location"] == unknown["Location"] == "/password/reset/sent/"
        assert len(mail.outbox) == 1 and mail.outbox[0].to == [applicant.email]
        assert _without_csrf(client.get(known["Location"])) == _without_csrf(client.get(unknown["Location"]))

    def test_unknown_address_queues_no_mail(self, client, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client.post(self.url, {"email": "nobody@example.lv"})
        assert response.status_code == 302 and response["Location"] == "/password/reset/sent/"
        assert callbacks == [] and mail.outbox == []
        assert not Notification.objects.exists()

    def test_unverified_account_gets_no_mail(self, client, django_capture_on_commit_callbacks):
        user = UserFactory(unverified=True, is_active=False)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(self.url, {"email": user.email})
        assert response.status_code == 302 and mail.outbox == []

    def test_invalid_address_is_a_form_error(self, client):
        response = client.post(self.url, {"email": "not an address"})
        assert response.status_code == 200 and mail.outbox == []
        assert 'aria-invalid="true"' in response.content.decode()

    def test_mail_goes_through_the_outbox_after_commit(
        self, client, applicant, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            client.post(self.url, {"email": applicant.email.upper()})
        assert mail.outbox == []  # nothing is sent before the transaction commits
        notification = Notification.objects.get(recipient=applicant, event="password_reset")
        assert notification.context["reset_url"].startswith("https://eservice.example.lv/password/reset/")
        assert notification.context["valid_hours"] == 2
        assert len(callbacks) == 1

    def test_mail_is_in_the_users_language_not_the_requests(
        self, client, applicant, translated, django_capture_on_commit_callbacks
    ):
        applicant.preferred_language = "ru"
        applicant.save(update_fields=["preferred_language"])
        with django_capture_on_commit_callbacks(execute=True):
            client.post(self.url, {"email": applicant.email}, HTTP_ACCEPT_LANGUAGE="en")
        message = mail.outbox[0]
        assert message.extra_headers["Content-Language"] == "ru"
        with translation.override("ru"):
            subject = translation.gettext("Choose a new password")
            office = translation.gettext("Office of Citizenship and Migration Affairs")
        assert subject != "Choose a new password"  # the Russian catalogue has it
        assert message.subject == subject
        assert office in message.alternatives[0][0]
        assert "Someone asked to reset" not in message.body

    def test_reset_link_sets_a_new_password_and_revokes_tokens(
        self, client, applicant, django_capture_on_commit_callbacks
    ):
        applicant.preferred_language = "en"
        applicant.save(update_fields=["preferred_language"])
        issue_token_pair(user=applicant)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(self.url, {"email": applicant.email})
        body = mail.outbox[0].body
        assert "Office of Citizenship and Migration Affairs" in body
        link = re.search(r"https://eservice\.example\.lv(/password/reset/\S+/)", body).group(1)
        assert link in mail.outbox[0].alternatives[0][0]
        form_page = client.get(link, follow=True)
        assert form_page.status_code == 200
        set_url = form_page.redirect_chain[-1][0]
        response = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
        assert response.status_code == 302 and response["Location"] == "/password/reset/done/"
        applicant.refresh_from_db()
        assert applicant.check_password(NEW)
        assert not RefreshToken.objects.filter(user=applicant, revoked_at__isnull=True).exists()
        # The link works once: the token depends on the password that has just changed.
        client.logout()
        again = client.get(link, follow=True)
        assert "does not work any more" in again.content.decode()

    def test_bad_reset_link_is_a_clear_page(self, client, applicant):
        response = client.get("/password/reset/MQ/bad-token/")
        assert response.status_code == 200
        assert "does not work any more" in response.content.decode()
