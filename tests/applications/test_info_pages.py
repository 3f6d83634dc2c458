"""What the customer service standard says customers are told: complaints and appeals, personal data, the
accessibility statement, phones and answer times; linked from every page's footer and from registration."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    main = re.search(r"<main .*?</main>", response.content.decode(), re.S).group(0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def _footer(response) -> str:
    return re.search(r'<footer class="site-footer">.*?</footer>', response.content.decode(), re.S).group(0)


@pytest.mark.parametrize("url", ["/", "/guide/", "/units/", "/login/", "/no-such-page/"])
def test_footer_links_every_info_page(client, url):
    footer = _footer(client.get(url))
    for href in ('href="/contact/"', 'href="/complaints/"', 'href="/privacy/"', 'href="/accessibility/"'):
        assert href in footer, (url, href)


def test_complaints_page_gives_both_ways_and_their_deadlines(client):
    text = _text(client.get("/complaints/"))
    assert "Head of the Office of Citizenship and Migration Affairs" in text
    assert "within 30 days after the decision takes effect" in text
    assert (
        "District Administrative Court" in text
        and "within one month after that decision takes effect" in text
    )
    assert "We answer a complaint within one month" in text


def test_privacy_page_says_who_sees_the_data_and_links_the_access_log(client):
    response = client.get("/privacy/")
    assert 'href="/account/access-log/"' in response.content.decode()
    text = _text(response)
    assert "Case officers of the territorial unit" in text
    assert "Who looked at my file" in text and "Data State Inspectorate" in text


def test_contact_page_lists_both_phones_with_hours_and_answer_time(client):
    html = client.get("/contact/").content.decode()
    assert 'href="tel:+37167209400"' in html and 'href="tel:+37167209600"' in html
    text = _text(client.get("/contact/"))
    assert "Working days 8:30–16:00. Questions about invitations, residence permits and visas." in text
    assert "at the latest within one month" in text


def test_accessibility_statement(client):
    text = _text(client.get("/accessibility/"))
    assert "WCAG" in text and "EN 301 549" in text and "What is not fully accessible yet" in text


def test_registration_links_the_privacy_notice(client):
    assert 'href="/privacy/"' in re.search(
        r"<main .*?</main>", client.get("/register/").content.decode(), re.S
    ).group(0)


def test_info_pages_are_translated(client, translated):
    response = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="lv")
    assert response.status_code == 200 and '<html lang="lv">' in response.content.decode()
