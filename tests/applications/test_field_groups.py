"""The applicant-editable field groups are defined once, on the model; everything else follows them."""

from __future__ import annotations

from applications.api.applications import ApplicationDetailOutput, ApplicationEditInput
from applications.completeness import step_fields
from applications.forms import PersonalForm, PurposeForm, StayForm
from applications.models import Application
from applications.services.lifecycle import EDITABLE_FIELDS


def test_groups_name_distinct_model_fields():
    names = {field.name for field in Application._meta.get_fields()}
    assert set(Application.APPLICANT_FIELDS) <= names
    assert len(set(Application.APPLICANT_FIELDS)) == len(Application.APPLICANT_FIELDS)


def test_every_purpose_asks_only_for_purpose_detail_fields():
    for fields in Application.PURPOSE_FIELDS.values():
        assert set(fields) <= set(Application.PURPOSE_DETAIL_FIELDS)
    assert "invitation_number" in Application.PURPOSE_DETAIL_FIELDS


def test_the_api_edit_input_declares_exactly_the_editable_fields():
    # The serializer declares its fields by hand (they carry validation): this keeps them in step.
    assert set(ApplicationEditInput().fields) == EDITABLE_FIELDS
    assert {"processing_speed", "unit", *Application.APPLICANT_FIELDS} == EDITABLE_FIELDS


def test_the_api_detail_shows_every_editable_field():
    assert set(Application.APPLICANT_FIELDS) <= set(ApplicationDetailOutput.Meta.fields)


def test_the_form_steps_edit_the_groups():
    assert tuple(PersonalForm.base_fields) == Application.PERSONAL_FIELDS
    assert tuple(PurposeForm.base_fields) == Application.PURPOSE_DETAIL_FIELDS
    assert tuple(StayForm.base_fields) == Application.STAY_FIELDS
    assert step_fields(Application(), "personal") == Application.PERSONAL_FIELDS
    assert step_fields(Application(), "stay") == Application.STAY_FIELDS
