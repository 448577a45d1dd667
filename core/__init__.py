"""aiscale core: typed stack configuration, the offline preview engine and the ``aiscale`` command.

Nothing in this package talks to a cloud. Components, blueprints and policies build on it.
"""

__version__ = "0.1.0"
