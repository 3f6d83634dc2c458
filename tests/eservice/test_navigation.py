"""The main navigation and the home page: what visitors, applicants and staff see, and the current page."""

from __future__ import annotations

import re

import pytest

from applications.selectors_dashboard import get_applications_summary
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _nav(response) -> str:
    html = response.content.decode()
    return re.search(r'<nav class="wrap main-nav".*?</nav>', html, re.S).group(0)


def _main(response) -> str:
    html = response.content.decode()
    return re.search(r"<main .*?</main>", html, re.S).group(0)


def _links(fragment: str) -> dict[str, str]:
    """Link text → the whole <a> tag."""
    return {
        re.sub(r"\s+", " ", text).strip(): tag
        for tag, text in re.findall(r"(<a [^>]*>)(.*?)</a>", fragment, re.S)
    }


def test_visitor_nav_has_the_public_pages_and_the_account_links(client):
    links = _links(_nav(client.get("/guide/")))
    assert list(links) == [
        "Home",
        "Procedure guide",
        "Territorial units",
        "Contact",
        "Sign in",
        "Create an account",
    ]
    assert 'href="/guide/"' in links["Procedure guide"] and 'aria-current="page"' in links["Procedure guide"]
    assert "aria-current" not in links["Home"] and "aria-current" not in links["Contact"]


def test_applicant_nav_adds_my_applications_and_profile(client, applicant):
    client.force_login(applicant)
    nav = _nav(client.get("/applications/"))
    links = _links(nav)
    assert list(links) == [
        "Home",
        "Procedure guide",
        "Territorial units",
        "Contact",
        "My applications",
        "Profile",
    ]
    assert 'aria-current="page"' in links["My applications"]
    assert applicant.email in nav and "Sign out" in nav


def test_a_page_inside_a_section_marks_its_section(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    client.force_login(applicant)
    links = _links(_nav(client.get(f"/applications/{application.pk}/")))
    assert 'aria-current="true"' in links["My applications"]
    assert [text for text, tag in links.items() if "aria-current" in tag] == ["My applications"]


def test_each_public_page_marks_only_itself(client):
    for path, label in [("/", "Home"), ("/units/", "Territorial units"), ("/contact/", "Contact")]:
        links = _links(_nav(client.get(path)))
        assert [text for text, tag in links.items() if 'aria-current="page"' in tag] == [label], path


def test_sign_in_page_marks_its_link(client):
    links = _links(_nav(client.get("/login/")))
    assert 'aria-current="page"' in links["Sign in"]


def test_officer_sees_no_applicant_links(staff_client_for, case_officer):
    links = _links(_nav(staff_client_for(case_officer).get("/")))
    assert list(links) == [
        "Home",
        "Procedure guide",
        "Territorial units",
        "Contact",
        "Case queue",
        "Registrations",
        "Counter",
        "Visits today",
        "Account security",
    ]


def test_the_units_visits_page_marks_its_link(staff_client_for, case_officer):
    links = _links(_nav(staff_client_for(case_officer).get("/backoffice/visits/")))
    assert 'aria-current="page"' in links["Visits today"]
    assert 'href="/backoffice/visits/"' in links["Visits today"]


def test_administrator_sees_the_administration(admin_client):
    links = _links(_nav(admin_client.get("/")))
    assert 'href="/admin/"' in links["Administration"]
    assert "My applications" not in links


def test_nav_is_translated(client, translated):
    english, latvian, russian = (
        list(_links(_nav(client.get("/", HTTP_ACCEPT_LANGUAGE=language)))) for language in ("en", "lv", "ru")
    )
    assert len(english) == len(latvian) == len(russian) == 6
    assert not set(latvian) & set(english) and not set(russian) & set(english)
    assert "Procedūras ceļvedis" in latvian and "Путеводитель по процедуре" in russian


def test_visitor_home_starts_with_the_guide_then_the_account(client):
    main = _main(client.get("/"))
    links = _links(main)
    order = list(links)
    assert order.index("Open the procedure guide") < order.index("Create an account") < order.index("Sign in")
    assert 'href="/units/"' in main and 'href="/contact/"' in main


def test_applicant_home_summarises_their_applications(client, applicant, other_applicant):
    ApplicationFactory(applicant=applicant)
    ApplicationFactory(applicant=applicant, awaiting_payment=True)
    ApplicationFactory(applicant=other_applicant)  # not counted
    client.force_login(applicant)
    main = _main(client.get("/"))
    links = _links(main)
    assert 'href="/applications/"' in links["Open my applications"]
    assert 'href="/guide/"' in links["Start a new application"]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))
    assert "2 applications in all" in text
    assert "1 draft to finish and submit" in text
    assert "1 state fee to pay" in text


def test_applicant_without_applications_is_sent_to_the_guide(client, applicant):
    client.force_login(applicant)
    links = _links(_main(client.get("/")))
    assert "Open my applications" not in links
    assert 'href="/guide/"' in links["Start a new application"]


def test_staff_home_has_no_applicant_summary(staff_client_for, case_officer):
    main = _main(staff_client_for(case_officer).get("/"))
    assert "/applications/" not in main and "Open the administration" not in main


def test_summary_counts_in_one_query(applicant, django_assert_num_queries):
    ApplicationFactory(applicant=applicant, awaiting_applicant=True)
    UserFactory()
    with django_assert_num_queries(1):
        summary = get_applications_summary(user=applicant)
    assert (summary.total, summary.drafts, summary.awaiting_payment, summary.awaiting_answer) == (1, 0, 0, 1)
