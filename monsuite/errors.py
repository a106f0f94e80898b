"""Errors a user can fix. The CLI prints them as one line and exits with status 2."""


class UserError(Exception):
    """Bad input: a manifest, a flag, a missing binary or image, an unusable port.

    The message names the file (or flag) and says what is wrong and what to do.
    """

    exit_status = 2


class ManifestError(UserError):
    def __init__(self, path, field: str, problem: str):
        self.path = str(path)
        self.field = field
        self.problem = problem
        where = f"{self.path}: {field}" if field else self.path
        super().__init__(f"{where}: {problem}")


class ComponentUnavailable(UserError):
    """No runtime can provide a component the user asked to start."""
