"""Every periodic job, in one place (Celery beat). Later issues add their jobs here, each with a comment.

Tasks are named as strings, so this module imports no domain app; each task's decorator names its queue.
"""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Re-queue outbox rows stuck in pending (broker down at commit, a lost message) and claims of dead workers:
    # a broker or mail outage delays e-mail but loses none. Every minute, so that a verification mail the broker
    # refused at commit goes out within 2 minutes of its return (NOT_QUEUED_AFTER in workers/services).
    "sweep-notification-outbox": {
        "task": "workers.tasks.maintenance.sweep_notification_outbox",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # Delete refresh tokens expired over a day ago and used e-mail verifications past their lifetime.
    "delete-expired-tokens": {
        "task": "identity.tasks.delete_expired_tokens",
        "schedule": crontab(hour=3, minute=15),
    },
    # Drafts untouched for 90 days: warn the owner 14 days before, then expire (APPLICATION_DRAFT_* settings).
    "expire-stale-drafts": {
        "task": "applications.tasks.expire_drafts",
        "schedule": crontab(hour=4, minute=0),
    },
    # Receipts of fees paid in the last week that have none yet, and card refunds still pending (the broker was
    # down at commit, or the provider kept failing).
    "sweep-payments": {
        "task": "payments.tasks.sweep_payments",
        "schedule": 900.0,
        "options": {"expires": 800},
    },
    # Remind applicants once, 3 working days before an information request's answer-by date.
    "remind-information-requests": {
        "task": "decisions.tasks.send_information_request_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    # Visit slots of every unit with visit settings, VISIT_SLOT_HORIZON_WORKING_DAYS ahead; idempotent.
    "generate-visit-slots": {
        "task": "applications.tasks.generate_visit_slots",
        "schedule": crontab(hour=2, minute=30),
    },
    # Remind each booked visit once, on the working day before it.
    "send-visit-reminders": {
        "task": "applications.tasks.send_visit_reminders",
        "schedule": crontab(hour=10, minute=0),
    },
    # Bank transfers unpaid for PAYMENT_BANK_TRANSFER_EXPIRY_DAYS (default 14) expire; the applicant is told.
    "expire-unpaid-bank-transfers": {
        "task": "payments.tasks.expire_unpaid_bank_transfers",
        "schedule": crontab(hour=4, minute=30),
    },
    # Remind applicants once, REGISTRATION_REMINDER_DAYS before the registration deadline of a granted permit.
    "remind-registration-deadlines": {
        "task": "applications.tasks.send_registration_reminders",
        "schedule": crontab(hour=8, minute=15),
    },
    # Closed accounts: anonymise or delete each record type once its retention period ran (MY_DATA_RETENTION_DAYS),
    # and delete "my data" archives whose link expired; every step is written to the audit log.
    "apply-retention-policy": {
        "task": "identity.tasks.apply_retention_policy",
        "schedule": crontab(hour=2, minute=30),
    },
    # Invite holders of permits expiring in PERMIT_RENEWAL_INVITATION_DAYS to apply for a repeated permit, once.
    "invite-permit-renewals": {
        "task": "decisions.tasks.send_renewal_invitations",
        "schedule": crontab(hour=7, minute=30),
    },
}
