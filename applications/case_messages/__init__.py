"""Messages on a case: the applicant writes (with attachments checked like uploads), the Office answers.

``models``: the messages and their attachments; ``services``: writing and answering; ``selectors``: the thread,
the back office's waiting messages, an attachment to download; ``api``: the applicant's API.
"""
