"""My data: the archive of everything the service holds about an applicant, closing the account, retention.

Other apps take part through ``identity.mydata.registry`` (export sections, closing hooks, retention rules), so
identity imports none of them (dependencies run identity ← applications ← payments, decisions).
"""
