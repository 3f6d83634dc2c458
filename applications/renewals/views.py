"""The invitation's link: preview what carries over, then start the repeated-permit draft (once)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from applications.renewals import services
from applications.renewals.selectors import describe_carried_over
from applications.views_applicant import applicant_required
from eservice.exceptions import DomainError, NotFoundError


@never_cache
@applicant_required
@require_http_methods(["GET", "POST"])
def renew(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the permit, what the draft will get and what is still needed, and a button; once the draft exists the
    link opens it. POST: start the draft (a second POST opens the same draft). Another account: 404."""
    try:
        invitation = services.get_own_invitation(token=token, user=request.user)
    except NotFoundError:
        raise Http404(_("There is no such invitation.")) from None
    if invitation.draft_id is not None:
        return redirect("applications:detail", invitation.draft_id)
    error = ""
    if request.method == "POST":
        try:
            draft, _created = services.start_renewal_draft(token=token, user=request.user)
        except NotFoundError:
            raise Http404(_("There is no such invitation.")) from None
        except DomainError as exc:
            error = exc.message
        else:
            return redirect("applications:detail", draft.pk)
    try:
        plan = services.plan_renewal(invitation.permit, today=timezone.localdate())
    except DomainError as exc:
        plan, error = None, error or exc.message
    context = {
        "invitation": invitation,
        "summary": describe_carried_over(plan.as_json()) if plan else None,
        "error": error,
    }
    return render(request, "applications/renew.html", context, status=409 if error else 200)
