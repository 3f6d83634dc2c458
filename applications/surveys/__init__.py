"""The satisfaction survey: after a decision and after a visit the applicant is invited, once per occasion, to
rate the service. Answers keep no link to a person: only the unit, the occasion and the month."""
