"""Issue 10, item 13: after a wrong code, the right one entered at once is not called wrong: the page says to wait."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.utils import timezone

from tests.factories import PASSWORD
from tests.otp import totp_code, wrong_code

pytestmark = pytest.mark.django_db


def test_right_code_just_after_a_wrong_one_asks_to_wait_then_works(client, applicant_with_totp, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1  # django-otp's default: 1, 2, 4… seconds after each wrong code
    user, device = applicant_with_totp
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        client.post("/login/", {"email": user.email, "password": PASSWORD})
        wrong = client.post("/login/code/", {"otp": wrong_code(device)})
        assert wrong.status_code == 400 and "not correct" in wrong.content.decode()

        too_soon = client.post("/login/code/", {"otp": totp_code(device)})
        assert too_soon.status_code == 400
        page = too_soon.content.decode()
        assert "Wait 1 second after a wrong code, then enter the current code again." in page
        assert "not correct" not in page
        # Not checked, so not a failure towards the lockout either.
        assert AccessAttempt.objects.get(username=user.email).failures_since_start == 1

        clock.shift(dt.timedelta(seconds=2))
        signed_in = client.post("/login/code/", {"otp": totp_code(device)})
        assert signed_in.status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)
