"""The office's trust store, and a small test certificate authority for the demo and the tests.

Production: `EOFFICE_TRUST_DIR` holds the CA certificates to trust (CCA India's root and the
licensed CAs' intermediates, PEM or DER, `*.crt`/`*.pem`/`*.cer`) and their CRLs (`*.crl`);
`EOFFICE_TSA_URL` is a CCA-licensed time-stamping service, and the certificates' own OCSP and
CRL addresses give the revocation data embedded at signing (PAdES B-LT).

The demo and the tests make their own CA (`DemoCA`, never trusted in production) and serve its
time-stamping authority, OCSP responder and CRLs with certomancer, pyHanko's test PKI tool
(`write_services_config`, `serve`): real RFC 3161 and OCSP over HTTP, not stubs of ours.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
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


#: Where the test CA says its CRL is when no services serve it (nothing is fetched: the CRL
#: sits in the trust directory)
CRL_URL = "http://crl.eoffice.invalid/test-root.crl"
#: the certomancer architecture the demo and test services are served under
ARCH = "eoffice"


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
    #: where certomancer serves this CA's OCSP, CRL and time-stamping (None: nowhere)
    services_url: str | None = None
    #: every certificate issued: (label, certificate), for the services' configuration
    issued: list[tuple[str, x509.Certificate]] = field(default_factory=list)

    @property
    def ocsp_url(self) -> str:
        return f"{self.services_url}/{ARCH}/ocsp/root"

    @property
    def crl_url(self) -> str:
        return f"{self.services_url}/{ARCH}/crls/root/latest.crl" if self.services_url else CRL_URL

    @property
    def tsa_url(self) -> str:
        return tsa_url(self.services_url)

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
                        full_name=[x509.UniformResourceIdentifier(self.crl_url)],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
        if self.services_url:  # where its status is answered (OCSP), as a licensed CA's are
            builder = builder.add_extension(
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            x509.oid.AuthorityInformationAccessOID.OCSP,
                            x509.UniformResourceIdentifier(self.ocsp_url),
                        )
                    ]
                ),
                critical=False,
            )
        if email:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False
            )
        cert = builder.sign(self.key, hashes.SHA256())
        self.issued.append((f"signer{len(self.issued) + 1}", cert))
        return key, cert

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


# --- the demo's and the tests' PKI services (certomancer) ---------------------------------


def tsa_url(services_url: str) -> str:
    """The demo or test services' time-stamping address (EOFFICE_TSA_URL)."""
    return f"{services_url}/{ARCH}/tsa/tsa"


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def write_services_config(ca: DemoCA, directory: Path) -> Path:
    """certomancer's configuration for `ca`: its root and every certificate it issued (as
    files: certomancer serves them, it does not make them), a time-stamping authority and an
    OCSP responder certified by the root, CRLs, and who is revoked. Returns the file."""
    import yaml

    directory.mkdir(parents=True, exist_ok=True)
    keys = directory / "keys"
    keys.mkdir(exist_ok=True)
    (keys / "root.key.pem").write_bytes(_pem_key(ca.key))
    for name in ("tsa", "ocsp"):  # kept across rewrites: their certificates must not change
        path = keys / f"{name}.key.pem"
        if not path.exists():
            path.write_bytes(_pem_key(_key()))
    certs = directory / "certs"
    certs.mkdir(exist_ok=True)
    (certs / "root.crt").write_bytes(ca.cert.public_bytes(serialization.Encoding.PEM))
    now = dt.datetime.now(dt.UTC)
    root_from = ca.cert.not_valid_before_utc
    root_to = ca.cert.not_valid_after_utc
    keyset = {"root": {"path": "root.key.pem"}, "tsa": {"path": "tsa.key.pem"},
              "ocsp": {"path": "ocsp.key.pem"}}  # fmt: skip
    entities = {
        "root": {"common-name": "eoffice Test Root CA"},
        "tsa": {"common-name": "eoffice Test Time-Stamping Authority"},
        "ocsp": {"common-name": "eoffice Test OCSP Responder"},
    }
    validity = {"valid-from": _when(root_from), "valid-to": _when(root_to)}
    crl_dp = {"id": "crl_distribution_points", "smart-value": {"schema": "crl-dist-url",
              "params": {"crl-repo-names": ["root"]}}}  # fmt: skip
    specs: dict = {
        "root": {"subject": "root", "issuer": "root", "certificate-file": "certs/root.crt",
                 "validity": validity},
        "tsa": {
            "subject": "tsa", "issuer": "root", "validity": validity,
            "extensions": [
                {"id": "key_usage", "critical": True,
                 "smart-value": {"schema": "key-usage", "params": ["digital_signature"]}},
                {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                crl_dp,
            ],
        },
        "ocsp": {
            "subject": "ocsp", "issuer": "root", "validity": validity,
            "extensions": [
                {"id": "key_usage", "critical": True,
                 "smart-value": {"schema": "key-usage", "params": ["digital_signature"]}},
                {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                {"id": "ocsp_no_check"},
            ],
        },
    }  # fmt: skip
    for label, cert in ca.issued:
        pub = keys / f"{label}.pub.pem"
        pub.write_bytes(
            cert.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        keyset[label] = {"path": pub.name, "public-only": True}
        entities[label] = {"common-name": label}
        (certs / f"{label}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        spec = {
            "subject": label, "issuer": "root", "certificate-file": f"certs/{label}.crt",
            "validity": {"valid-from": _when(cert.not_valid_before_utc),
                         "valid-to": _when(cert.not_valid_after_utc)},
        }  # fmt: skip
        if cert.serial_number in ca.revoked:
            spec["revocation"] = {"revoked-since": _when(now - dt.timedelta(minutes=1)),
                                  "reason": "key_compromise"}  # fmt: skip
        specs[label] = spec
    config = {
        "external-url-prefix": ca.services_url or "http://127.0.0.1",
        "keysets": {ARCH: {"path-prefix": "keys", "keys": keyset}},
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "IN",
                                    "organization-name": "eoffice test CA (not for production)"},
                "entities": entities,
                "certs": specs,
                "services": {
                    "ocsp": {"root": {"for-issuer": "root", "responder-cert": "ocsp",
                                      "signing-key": "ocsp"}},
                    "crl-repo": {"root": {"for-issuer": "root", "signing-key": "root",
                                          "simulated-update-schedule": "P1D"}},
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                },
            }
        },
    }  # fmt: skip
    path = directory / "certomancer.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    return path


def services_app(config: Path):
    """The WSGI application serving the configuration's OCSP, CRLs and time-stamping."""
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import CertomancerConfig

    cfg = CertomancerConfig.from_file(
        str(config), key_search_dir=str(config.parent), config_search_dir=str(config.parent),
        allow_external_config=True,
    )  # fmt: skip
    return Animator(AnimatorArchStore(cfg.pki_archs), with_web_ui=False, allow_time_override=False)


class Services:
    """certomancer on a local port, in a thread: `load(config)` (again after the CA issued or
    revoked a certificate); until then every request is answered 404."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        import threading

        from werkzeug.exceptions import NotFound
        from werkzeug.serving import make_server

        self._app = NotFound()
        self._server = make_server(host, port, lambda env, start: self._app(env, start),
                                   threaded=True)  # fmt: skip
        self.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def load(self, config: Path) -> None:
        self._app = services_app(config)

    def stop(self) -> None:
        self._server.shutdown()
