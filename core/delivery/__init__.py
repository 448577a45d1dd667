"""Model delivery: promotions gated on the MLflow registry, metric-gated rollouts, all written as stack config.

``aiscale promote`` and ``aiscale rollout`` never change infrastructure themselves: they edit the stack file (the
pinned model version, the traffic split), print the diff and append the decision to an audit log. ``pulumi up``
(or ``--apply``) deploys what the reviewed file says.
"""
