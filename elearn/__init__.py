"""elearn: a plugin-based e-learning and assessment engine.

``create_app`` builds the Flask app; ``hookimpl`` marks a plugin's hook
implementations; lesson types subclass ``elearn.plugins.lesson_type.LessonType``.
"""

from elearn.plugins.hookspecs import hookimpl

__version__ = "0.1.0"


def create_app(config=None):
    """Build the Flask app (imported lazily so ``import elearn`` stays cheap for plugins)."""
    from elearn.app import create_app as factory

    return factory(config)


__all__ = ["__version__", "create_app", "hookimpl"]
