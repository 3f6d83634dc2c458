"""The applicant's survey page: reached from the invitation e-mail or the dashboard, only by the invited account."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from applications.surveys import selectors, services
from applications.surveys.forms import SurveyForm
from applications.views_applicant import applicant_required
from eservice.exceptions import DomainError, NotFoundError


@applicant_required
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    try:
        invitation = selectors.get_invitation(user=request.user, token=token)
    except NotFoundError:
        raise Http404(_("There is no such survey.")) from None
    if invitation.answered_on is not None:
        return render(request, "applications/survey.html", {"invitation": invitation, "answered": True})
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_survey(
                token=invitation.token,
                user=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you for your answer."))
            return redirect("applications:dashboard")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "applications/survey.html", {"invitation": invitation, "form": form}, status=status
    )
