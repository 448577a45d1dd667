"""The aiscale Pulumi program. Every stack runs this; ``Pulumi.<stack>.yaml`` beside it says what to build."""

from aiscale.blueprints import deploy_stack
from aiscale.core.config import load_stack_config

deploy_stack(load_stack_config())
