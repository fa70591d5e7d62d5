"""The shared fixtures live in ``elearn.testing`` (a pytest plugin that plugin authors use too)."""
