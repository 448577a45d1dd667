"""The aiscale component provider: what ``pulumi package add`` runs from this directory (see PulumiPlugin.yaml).

The engine starts it with its address as the first argument; the provider prints its port and serves the
package's schema and ``Construct`` for every component and blueprint (``aiscale.blueprints.package``).
"""

from aiscale.blueprints.package import serve

if __name__ == "__main__":
    serve()
