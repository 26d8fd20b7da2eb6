"""The office's trust store, and a small test certificate authority for the demo and the tests.

Production: `EOFFICE_TRUST_DIR` holds the CA certificates to trust (CCA India's root and the
licensed CAs' intermediates, PEM or DER, `*.crt`/`*.pem`/`*.cer`) and their CRLs (`*.crl`).
The demo and the tests make their own CA with `make_test_pki` (never trusted in production).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import current_app
from pyhanko_certvalidator import ValidationContext


def _read(path: Path) -> list[bytes]:
    data = path.read_bytes()
    if pem.detect(data):
        return [der for _, _, der in pem.unarmor(data, multiple=True)]
    return [data]


@dataclass
class TrustStore:
    roots: list[asn1_x509.Certificate]
    crls: list[asn1_crl.CertificateList]

    def context(self, *, moment: dt.datetime | None = None) -> ValidationContext:
        """No fetching from the network: the office's server may have none. Revocation is
        checked against the CRLs in the trust directory; a missing CRL is not an error
        (soft-fail), a revoked certificate always is."""
        return ValidationContext(
            trust_roots=self.roots,
            crls=self.crls,
            allow_fetching=False,
            revocation_mode="soft-fail",
            moment=moment,
        )


def trust_store(directory: Path | None = None) -> TrustStore:
    directory = Path(directory or current_app.config["TRUST_DIR"])
    roots, crls = [], []
    if directory.is_dir():
        for path in sorted(directory.iterdir()):
            try:
                if path.suffix in (".crt", ".pem", ".cer"):
                    loaded = [asn1_x509.Certificate.load(d) for d in _read(path)]
                    roots += loaded
                elif path.suffix == ".crl":
                    loaded = [asn1_crl.CertificateList.load(d) for d in _read(path)]
                    crls += loaded
                else:
                    continue
                for obj in loaded:  # asn1crypto parses lazily: a damaged file fails here, now
                    _ = obj.native
            except Exception as e:
                raise ValueError(f"damaged trust file {path.name}: {e!r}") from e
    return TrustStore(roots, crls)


# --- a test CA (demo and tests only) ---------------------------------------------------


#: Where the test CA says its CRL is; nothing is fetched: the CRL sits in the trust directory.
CRL_URL = "http://crl.eoffice.invalid/test-root.crl"


def _name(cn: str, org: str = "eoffice test CA (not for production)") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "IN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class DemoCA:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    revoked: list[int]

    @classmethod
    def create(cls, now: dt.datetime | None = None) -> DemoCA:
        now = now or dt.datetime.now(dt.UTC)
        key = _key()
        name = _name("eoffice Test Root CA")
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert, [])

    def issue(
        self,
        common_name: str,
        *,
        valid_from: dt.datetime | None = None,
        days: int = 730,
        email: str | None = None,
    ) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        now = valid_from or dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        key = _key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name, "eoffice demo signer"))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
        )
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(CRL_URL)],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
        if email:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False
            )
        return key, builder.sign(self.key, hashes.SHA256())

    def revoke(self, cert: x509.Certificate) -> None:
        self.revoked.append(cert.serial_number)

    def crl(self) -> x509.CertificateRevocationList:
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.cert.subject)
            .last_update(now - dt.timedelta(minutes=5))
            .next_update(now + dt.timedelta(days=365))
        )
        for serial in self.revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(now - dt.timedelta(minutes=1))
                .build()
            )
        return builder.sign(self.key, hashes.SHA256())

    def write_trust_dir(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "test-root.crt").write_bytes(
            self.cert.public_bytes(serialization.Encoding.PEM)
        )
        (directory / "test-root.crl").write_bytes(
            self.crl().public_bytes(serialization.Encoding.DER)
        )


def p12(key, cert: x509.Certificate, ca: x509.Certificate, password: bytes | None) -> bytes:
    enc = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(b"signer", key, cert, [ca], enc)
