"""One exception for an action a service refuses; each view maps `code` to a message, which
may name what the refusal was about (`details`, e.g. the recipient's row or an office)."""


class Refused(Exception):
    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details

    def say(self, message) -> str:
        """`message` (the view's text for this code, maybe lazy) with the details filled in."""
        return str(message) % self.details if self.details else str(message)
