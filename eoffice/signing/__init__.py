"""Signing: Hindi PDFs (WeasyPrint), PAdES signatures (pyHanko) with a soft certificate, a token
or eSign (two-phase, digest only) or a PDF signed elsewhere; validation against the trust store."""
