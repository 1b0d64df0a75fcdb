"""User-facing errors: the CLI prints ``divgan: error: <message>`` on one line and exits 2."""


class DivganError(Exception):
    """A mistake in what the user typed or pointed at (config, path, checkpoint), not a bug."""
