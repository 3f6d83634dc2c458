"""Journey (a) through two web processes behind a round-robin proxy, with two Celery workers: no sticky sessions.

The same steps as the single-server journey (guide, account, the verification e-mail, every form step, uploads
with their progress bar, a declined card then a good one, the receipt), in Chromium, against a tiny proxy that
sends every request to the next of two gunicorn processes, whatever connection it came on. Two Celery workers
share the queue; everything shares PostgreSQL, one Redis (broker and cache) and one media folder. The links in
the e-mail and the gateway's webhooks go to the proxy's address (``SITE_URL``), as behind a load balancer.
"""

from __future__ import annotations

import itertools

from django.urls import reverse

from tests.browser.test_apply_and_pay_journey import Words, apply_and_pay
from tests.integration.live_servers import RoundRobinProxy, two_of_each
from tests.services import require_postgres


def test_journey_a_across_two_web_processes_and_two_workers(new_context, shooter, compiled_locale, tmp_path):
    require_postgres()
    proxy = RoundRobinProxy()
    shared = {
        "DJANGO_SETTINGS_MODULE": "tests.browser.worker_settings",
        "BROWSER_WORKER_LOCALE": str(compiled_locale),
        "SITE_URL": proxy.url,
    }
    webhook = reverse("payment-webhook", args=["test_gateway"])
    with two_of_each(media_root=tmp_path / "media", log_dir=tmp_path, env=shared) as parts:
        proxy.start([web.base_url for web in parts.webs])
        try:
            page = new_context(base_url=proxy.url, timeout=30_000)
            apply_and_pay(
                page,
                Words("en"),
                shooter(page),
                email="olena.two.processes@example.lv",
                site_url=proxy.url,
                mail_to=lambda address: [m for m in parts.smtp.messages if m["To"] == address],
                webhook_agents=lambda: [agent for *_, agent in proxy.requests_to("POST", webhook)],
            )
        finally:
            proxy.stop()

    # Every request went to the other process than the one before it (so each redirect after a form post, each
    # page after signing in, was answered by the process that did not see the post), and both answered.
    upstreams = [upstream for upstream, *_ in proxy.served]
    assert set(upstreams) == {web.base_url for web in parts.webs}
    assert all(one != other for one, other in itertools.pairwise(upstreams))
