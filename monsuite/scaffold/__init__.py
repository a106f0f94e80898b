"""`monsuite init`: a working stack from a user's own monitoring files, or a copy of an example stack."""
