"""Expiry → repeated permit: invite a permit's holder before it expires and start a prefilled repeated-permit draft.

The permit's validity is the decision's (decisions app); the daily job lives in ``decisions.renewals`` and calls
``invite_permit_renewal`` here for each permit due, so applications never reads the decisions app's tables.
"""
