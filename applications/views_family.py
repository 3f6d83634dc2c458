"""The applicant's pages for applying on someone's behalf, linking the person's own account, and claiming an
application made at a counter. Thin: parse, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from applications.forms import ClaimForm, InvitePersonForm, RepresentedPersonForm
from applications.selectors import get_kind, get_purpose
from applications.selectors_dashboard import get_application
from applications.services import counter, family
from applications.services.lifecycle import ApplicationFieldsError
from applications.views_applicant import applicant_required
from eservice.exceptions import DomainError, NotFoundError
from identity.ratelimits import limit_posts_by_ip, setting_rate


def _add_errors(form, error: ApplicationFieldsError) -> None:  # type: ignore[no-untyped-def]
    for field, problems in (error.details or {}).items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


@applicant_required
@require_http_methods(["GET", "POST"])
def new_for_person(request: HttpRequest) -> HttpResponse:
    """Apply for a child, a ward or a family member from one's own account."""
    form = RepresentedPersonForm(request.POST or None, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            kind = get_kind(code=data["kind"])
            application = family.create_draft_for_person(
                representative=request.user,
                kind=kind,
                purpose=get_purpose(code=data["purpose"], kind=kind),
                processing_speed=data["processing_speed"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                date_of_birth=data["date_of_birth"],
                nationality=data["nationality"],
                relationship=data["relationship"],
            )
        except ApplicationFieldsError as error:
            _add_errors(form, error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The application was started. Fill it in for the person."))
            return redirect("applications:step", application.pk, "personal")
    return render(request, "applications/family/new.html", {"form": form}, status=400 if form.errors else 200)


@applicant_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, application_id: int) -> HttpResponse:
    """The representative invites the adult person applied for to follow the application in their account."""
    try:
        application = get_application(user=request.user, application_id=application_id)
    except NotFoundError:
        raise Http404(_("There is no such application.")) from None
    if application.representative_id != request.user.pk:
        raise Http404(_("There is no such application."))
    form = InvitePersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            family.invite_person(
                application_id=application.pk, representative=request.user, email=form.cleaned_data["email"]
            )
        except ApplicationFieldsError as error:
            _add_errors(form, error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("The invitation is waiting for the person. They see it when signed in with this address."),
            )
            return redirect("applications:detail", application.pk)
    return render(
        request,
        "applications/family/invite.html",
        {"form": form, "application": application},
        status=400 if form.errors else 200,
    )


@applicant_required
@require_GET
def invitations(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "applications/family/invitations.html",
        {"invitations": family.list_open_invitations(user=request.user)},
    )


@applicant_required
@require_POST
def accept_invitation(request: HttpRequest, invitation_id: int) -> HttpResponse:
    try:
        application = family.accept_invitation(invitation_id=invitation_id, user=request.user)
    except NotFoundError:
        raise Http404(_("There is no such invitation.")) from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("applications:invitations")
    messages.success(request, _("The application is now among your applications."))
    return redirect("applications:detail", application.pk)


@applicant_required
@limit_posts_by_ip("RATELIMIT_CLAIM_CODE", group=counter.CLAIM_GROUP)
@ratelimit(
    group=counter.CLAIM_GROUP,
    key="user",
    rate=setting_rate("RATELIMIT_CLAIM_CODE"),
    method="POST",
    block=True,
)
@require_http_methods(["GET", "POST"])
def claim(request: HttpRequest) -> HttpResponse:
    """Claim an application made at a counter: the code on the copy and the identity document's number."""
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = counter.claim_counter_application(
                user=request.user,
                code=form.cleaned_data["code"],
                document_number=form.cleaned_data["document_number"],
            )
        except DomainError as error:
            form.add_error("code", error.message)
            return render(request, "applications/claim.html", {"form": form}, status=error.status_code)
        messages.success(request, _("The application is now in your account."))
        return redirect("applications:detail", application.pk)
    return render(
        request,
        "applications/claim.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
