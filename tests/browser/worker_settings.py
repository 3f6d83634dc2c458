"""Settings of the worker process a browser test session starts, and of every process of the scale-out journey:
those of the integration tests' web processes (the cache and the rate limits from the environment, so several
processes can share them in Redis), plus the catalogues the session compiled (locale/ holds .po files only, so
Latvian and Russian e-mails and PDFs are translated), and the test gateway delivering its webhooks to SITE_URL
over HTTP, as a provider does."""

import os

from tests.integration.web_settings import *  # noqa: F403

LOCALE_PATHS = [os.environ["BROWSER_WORKER_LOCALE"]]
PAYMENT_TEST_GATEWAY_DELIVERY = "http"
