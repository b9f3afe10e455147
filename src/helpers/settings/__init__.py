"""One validated configuration layer: every YAML file a run reads is checked before stage 01.

- `errors`: `ConfigError`, the one error every config loader raises (it carries a list of problems);
- `keys`: the key schemas and the unknown-key check with its "did you mean …" hint;
- `parameters`: run parameters (`config/pipeline.yaml` is their schema) checked by type and range;
- `project`: every config file named by the parameters loaded at once, all problems in one message.

Only `errors` and `keys` are imported here: the loaders import them, and `project` imports the
loaders, so importing `project` from this package's `__init__` would be circular.
"""

from helpers.settings.errors import ConfigError
from helpers.settings.keys import ANY, Each, ListOf, check_keys, did_you_mean

__all__ = ["ANY", "ConfigError", "Each", "ListOf", "check_keys", "did_you_mean"]
