"""Monitoring components built from their published Go modules (`monsuite components build`), for
machines where no image registry and no package provides them: pinned releases, cached outside the
repository, keyed by name and version."""
