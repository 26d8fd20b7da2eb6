"""eoffice-sign: the token's part in two-phase signing, on the officer's own computer.

The server hands out only a SHA-256 digest of the prepared letter. This program signs that
digest with the key in a PKCS#12 file or on a USB token (PKCS#11), and prints a CMS (PKCS#7)
signature in base64, to paste back into the page. Nothing else leaves the computer.

    eoffice-sign --digest 3f1c…e9 --p12 my.p12 [--password …]
    eoffice-sign --digest 3f1c…e9 --pkcs11-lib /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so \\
        --token-label "ePass" --key-label "Signing key" [--pin …]

The password or PIN is asked for on the terminal when not given.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import getpass
import sys

from pyhanko.sign import signers


def _p12_signer(path: str, password: str | None):
    with open(path, "rb") as fh:
        data = fh.read()
    if password is None:
        password = getpass.getpass("Password of the .p12 file: ")
    return signers.SimpleSigner.load_pkcs12_data(data, [], passphrase=password.encode() or None)


def sign_digest(signer, digest: bytes) -> bytes:
    """A detached PAdES-style CMS over a document digest (what the server's placeholder needs)."""
    ci = asyncio.run(signer.async_sign(digest, "sha256", use_pades=True))
    return ci.dump()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="eoffice-sign", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--digest", required=True, help="the SHA-256 digest shown on the page (hex)"
    )
    parser.add_argument("--p12", help="a PKCS#12 file (.p12/.pfx)")
    parser.add_argument("--password", help="the PKCS#12 password (asked if omitted)")
    parser.add_argument("--pkcs11-lib", help="the token's PKCS#11 library")
    parser.add_argument("--token-label")
    parser.add_argument("--key-label")
    parser.add_argument("--pin", help="the token's PIN (asked if omitted)")
    parser.add_argument("--out", help="write the signature (DER, .p7s) here instead of base64")
    args = parser.parse_args(argv)
    try:
        digest = bytes.fromhex(args.digest.strip())
    except ValueError:
        parser.error("--digest must be hexadecimal")
    if len(digest) != 32:
        parser.error("--digest must be a SHA-256 digest (64 hexadecimal characters)")
    if args.p12:
        signer = _p12_signer(args.p12, args.password)
        der = sign_digest(signer, digest)
    elif args.pkcs11_lib:
        from pyhanko.config.pkcs11 import PKCS11SignatureConfig, TokenCriteria
        from pyhanko.sign.pkcs11 import PKCS11SigningContext

        pin = args.pin if args.pin is not None else getpass.getpass("Token PIN: ")
        with PKCS11SigningContext(
            PKCS11SignatureConfig(
                module_path=args.pkcs11_lib,
                token_criteria=TokenCriteria(label=args.token_label),
                key_label=args.key_label,
                cert_label=args.key_label,
                user_pin=pin,
            )
        ) as signer:
            der = sign_digest(signer, digest)
    else:
        parser.error("give --p12 or --pkcs11-lib")
    if args.out:
        with open(args.out, "wb") as fh:
            fh.write(der)
    else:
        sys.stdout.write(base64.b64encode(der).decode() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
