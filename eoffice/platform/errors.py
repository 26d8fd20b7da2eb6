"""One exception for an action a service refuses; each view maps `code` to a message."""


class Refused(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code
