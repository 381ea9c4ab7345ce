"""Logging in with the Belgian eID card.

- `identity.eid.pkcs11`: the card through its PKCS#11 module (the only user of python-pkcs11).
- `identity.eid.certificates`: trust, validity, revocation and identity of a card certificate.
- `identity.eid.exceptions`: the errors, each with a stable ``code`` and a translatable message.
- `identity.eid.conf`: the ``EID_*`` settings and their defaults.

Nothing is imported here, so that checking certificates on a server never loads python-pkcs11.
"""
