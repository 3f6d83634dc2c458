"""Change password (revokes API refresh tokens) and password reset (same answer whether or not the
address exists)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from identity.models import RefreshToken
from identity.services.api_tokens import issue_token_pair
from tests.factories import PASSWORD
from tests.otp import add_totp, verify_session

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

    def test_same_answer_for_known_and_unknown_address(self, client, applicant):
        known = client.post(self.url, {"email": applicant.email})
        unknown = client.post(self.url, {"email": "nobody@example.lv"})
        assert known.status_code == unknown.status_code == 302
        assert known["Location"] == unknown["Location"] == "/password/reset/sent/"
        assert len(mail.outbox) == 1 and mail.outbox[0].to == [applicant.email]
        assert _without_csrf(client.get(known["Location"])) == _without_csrf(client.get(unknown["Location"]))

    def test_reset_link_sets_a_new_password_and_revokes_tokens(self, client, applicant):
        issue_token_pair(user=applicant)
        client.post(self.url, {"email": applicant.email})
        body = mail.outbox[0].body
        assert "Office of Citizenship and Migration Affairs" in body
        link = re.search(r"https://eservice\.example\.lv(/password/reset/\S+/)", body).group(1)
        form_page = client.get(link, follow=True)
        assert form_page.status_code == 200
        set_url = form_page.redirect_chain[-1][0]
        response = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
        assert response.status_code == 302 and response["Location"] == "/password/reset/done/"
        applicant.refresh_from_db()
        assert applicant.check_password(NEW)
        assert not RefreshToken.objects.filter(user=applicant, revoked_at__isnull=True).exists()

    def test_bad_reset_link_is_a_clear_page(self, client, applicant):
        response = client.get("/password/reset/MQ/bad-token/")
        assert response.status_code == 200
        assert "does not work any more" in response.content.decode()
