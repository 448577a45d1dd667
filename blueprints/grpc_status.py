"""One ``google.rpc.Status`` for Pulumi's provider host and Google's client libraries in the same process.

Pulumi's provider server vendors the message as ``pulumi.runtime.proto.status_pb2`` (file
``google/protobuf/status.proto``); googleapis-common-protos, under google-api-core and google-cloud-aiplatform,
defines it as ``google.rpc.status_pb2`` (file ``google/rpc/status.proto``). Both are the same message, but protobuf
refuses a second definition of ``google.rpc.Status``, so whichever module loads second fails to import. Imported
before the provider host, this module makes both names one module: the googleapis one where it is installed.
"""

import sys
from types import ModuleType

VENDORED = "pulumi.runtime.proto.status_pb2"


def _shared_status() -> ModuleType | None:
    if VENDORED in sys.modules:
        return sys.modules[VENDORED]  # loaded already: nothing to reconcile before it
    try:
        from google.rpc import status_pb2  # noqa: PLC0415 - optional (Google's client libraries)
    except ImportError:
        return None
    sys.modules[VENDORED] = status_pb2
    return status_pb2


STATUS = _shared_status()
