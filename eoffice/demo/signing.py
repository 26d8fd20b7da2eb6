"""Demo signing set-up (`flask seed-demo`): a test CA in the trust directory, a soft certificate
for the ADM (PIN 123456) and a token certificate for the DM, whose key is in a .p12 file for
`eoffice-sign`; with EOFFICE_DEMO_PKI_URL, the CA's time-stamping, OCSP and CRL services for
`flask signing demo-services` (certomancer). Never for production: it is a test CA."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import current_app
from sqlalchemy import select

from eoffice.org.models import User
from eoffice.org.services import actor_for
from eoffice.platform.extensions import db
from eoffice.signing.models import SigningCredential
from eoffice.signing.pki import DemoCA, p12, write_services_config
from eoffice.signing.services import _store, seal

DEMO_PIN = "123456"
#: (login, kind): soft keeps the key here sealed under DEMO_PIN; token leaves it in a .p12 file
DEMO_SIGNERS = [("adm.fr", "soft"), ("dm.lalitpur", "token"), ("sdm.sadar", "file")]


def demo_dir() -> Path:
    return Path(current_app.config["TRUST_DIR"]).parent / "demo"


def services_config() -> Path:
    """certomancer's configuration for the demo CA's TSA, OCSP and CRLs (written at seeding)."""
    return Path(current_app.config["TRUST_DIR"]).parent / "services" / "certomancer.yml"


def seed_signing_demo(password: str) -> bool:
    """False (nothing done) when the demo signers already have credentials."""
    users = {u.login_id: u for u in db.session.scalars(select(User))}
    if db.session.scalar(select(SigningCredential.id).limit(1)) is not None:
        return False
    trust = Path(current_app.config["TRUST_DIR"])
    ca = DemoCA.create()
    ca.services_url = current_app.config.get("DEMO_PKI_URL")  # in the certificates it issues
    ca.write_trust_dir(trust)
    out = demo_dir()
    out.mkdir(parents=True, exist_ok=True)
    for login_id, kind in DEMO_SIGNERS:
        user = users.get(login_id)
        if user is None:
            continue
        key, cert = ca.issue(f"{user.name_en} (demo)", email=user.email)
        # every demo signer also gets the .p12 file (password: the demo password)
        (out / f"{login_id}.p12").write_bytes(p12(key, cert, ca.cert, password.encode()))
        if kind == "soft":
            salt, sealed = seal(p12(key, cert, ca.cert, None), DEMO_PIN, user.id)
            _store(actor_for(user), cert, "soft", salt=salt, sealed=sealed, user_id=user.id)
        elif kind == "token":
            (out / f"{login_id}.cer").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            _store(actor_for(user), cert, "token", user_id=user.id)
    if ca.services_url:
        write_services_config(ca, services_config().parent)
    return True
