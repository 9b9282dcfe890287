"""What a run must remember to be reproduced: seeds and RNG states, code version, environment.

=================================  ==============================================================
:func:`isolated_rng`               run a block with derived seeds (or captured states), restore
:func:`replay_rng_states`          re-enter a recorded run's randomness
:class:`ReproducibleTransform`     wrap a function: isolated, seeded, counted (``@reproducible``)
:func:`derive_seeds`               one master seed -> per-RNG seeds, the same in every process
:func:`capture_rng_states`         JSON-safe snapshot of random / NumPy / torch (CPU, CUDA) states
:func:`numpy_generator`            a ``np.random.Generator`` derived from the current run
:func:`capture_code_version`       git commit + dirty-diff digest, source digest, entrypoint
:func:`local_source_files`         digests of the code's module and the local modules it imports
:func:`load_entrypoint`            load a recorded entrypoint again from where it was imported
:func:`resolve_entrypoint`         import what a ``module:qualname`` entrypoint names
:func:`capture_environment`        Python, platform, packages, CUDA/cuDNN/GPUs; digest
:func:`diff_environments`          what changed between two environments, line by line
:func:`compare_environments`       what changed since a run: relevant to it, or unrelated
:func:`feature_stats`              JSON-safe per-column statistics of a DataFrame
=================================  ==============================================================

Example:
    >>> import numpy as np
    >>> with isolated_rng(42) as seeds:
    ...     a = np.random.rand(2)
    >>> with replay_rng_states(seeds):
    ...     bool((a == np.random.rand(2)).all())
    True
"""

from __future__ import annotations

from provenance.capture.code import (
    GitState,
    capture_code_version,
    git_state,
    source_digest,
)
from provenance.capture.entrypoint import (
    entrypoint_code,
    format_entrypoint,
    parse_entrypoint,
    resolve_entrypoint,
)
from provenance.capture.environment import (
    EnvironmentChanges,
    PackageScope,
    capture_environment,
    compare_environments,
    diff_environments,
    environment_digest,
    imported_distributions,
    installed_packages,
    run_environment,
)
from provenance.capture.modules import (
    MAX_SOURCE_FILES,
    ModuleOrigin,
    changed_source_files,
    is_local_file,
    load_entrypoint,
    local_source_files,
    module_origin,
)
from provenance.capture.seeds import (
    DERIVATION,
    RNG_STATES_FORMAT,
    ReproducibleTransform,
    apply_seeds,
    capture_rng_states,
    current_seed_state,
    derive_seed,
    derive_seeds,
    generator_state,
    isolated_rng,
    numpy_generator,
    replay_rng_states,
    reproducible,
    restore_generator,
    restore_rng_states,
)
from provenance.capture.stats import QUANTILES, STATS_VERSION, feature_stats, rebin_histogram

__all__ = [
    "DERIVATION",
    "MAX_SOURCE_FILES",
    "QUANTILES",
    "RNG_STATES_FORMAT",
    "STATS_VERSION",
    "EnvironmentChanges",
    "GitState",
    "ModuleOrigin",
    "PackageScope",
    "ReproducibleTransform",
    "apply_seeds",
    "capture_code_version",
    "capture_environment",
    "capture_rng_states",
    "changed_source_files",
    "compare_environments",
    "current_seed_state",
    "derive_seed",
    "derive_seeds",
    "diff_environments",
    "entrypoint_code",
    "environment_digest",
    "feature_stats",
    "format_entrypoint",
    "generator_state",
    "git_state",
    "imported_distributions",
    "installed_packages",
    "is_local_file",
    "isolated_rng",
    "load_entrypoint",
    "local_source_files",
    "module_origin",
    "numpy_generator",
    "parse_entrypoint",
    "rebin_histogram",
    "replay_rng_states",
    "reproducible",
    "resolve_entrypoint",
    "restore_generator",
    "restore_rng_states",
    "run_environment",
    "source_digest",
]
