"""Content packs: a folder with a ``pack.yaml`` manifest that installs one course."""
