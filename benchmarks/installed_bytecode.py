"""Child processes that run sgcompliance as an installed copy runs: from compiled modules.

pip compiles a package's modules when it installs it, so an installed `sgc` loads them from
bytecode. The checkout is an editable install, and where PYTHONDONTWRITEBYTECODE is set (as on
the machines these benchmarks run on) a child process would compile every module of the code
it imports again: 0.3 to 0.5 s a process, which a peer installed by pip (Cloud Custodian, whose
modules are compiled in its virtualenv) never pays. A child given `bytecode_env` writes its
bytecode to a scratch directory, outside the checkout, and reads it from there; `warm_up` runs
one such child, unmeasured, so that the measured ones find it written.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path


def bytecode_env(env: Mapping[str, str], directory: Path) -> dict[str, str]:
    """`env` for a child that keeps its modules' bytecode in `directory` (and reads it there:
    modules compiled elsewhere are compiled once more into it)."""
    out = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out["PYTHONPYCACHEPREFIX"] = str(directory)
    return out


def warm_up(argv: Sequence[str], env: Mapping[str, str]) -> None:
    """Run `argv` once, unmeasured, for the bytecode it writes; its outcome does not matter."""
    subprocess.run(
        list(argv), env=dict(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        check=False, cwd=os.getcwd(),
    )  # fmt: skip
