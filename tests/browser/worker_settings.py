"""Settings of the worker process a browser test session starts: the test settings, plus the catalogues the
session compiled (locale/ holds .po files only, so Latvian and Russian e-mails and PDFs are translated), and the
test gateway delivering its webhooks to the live server over HTTP, as a provider does."""

import os

from eservice.settings.test import *  # noqa: F403

LOCALE_PATHS = [os.environ["BROWSER_WORKER_LOCALE"]]
PAYMENT_TEST_GATEWAY_DELIVERY = "http"
