"""The kernel of a passing notebook is shut down without a SIGINT (no KeyboardInterrupt ERROR on stderr)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill as pm
from jupyter_client.manager import AsyncKernelManager

from helpers.quiet_kernel import QuietShutdownKernelManager

# The cell makes an idle kernel record any SIGINT in a file. ipykernel restores
# `saved_sigint_handler` after each message, so the handler is installed there to stay in force
# while the kernel is idle, which is when papermill shuts it down.
TRAP = """
import signal
from pathlib import Path
def _note(*_):
    Path({path!r}).write_text("interrupted")
kernel = get_ipython().kernel
signal.signal(signal.SIGINT, _note)
kernel.saved_sigint_handler = _note
"""


def run(tmp_path: Path, manager: type[AsyncKernelManager]) -> bool:
    mark = tmp_path / f"{manager.__name__}.sigint"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(TRAP.format(path=str(mark)))]
    source = tmp_path / "trap.ipynb"
    nbformat.write(nb, source)
    pm.execute_notebook(
        str(source),
        str(tmp_path / "out.ipynb"),
        kernel_name="python3",
        progress_bar=False,
        kernel_manager_class=manager,
    )
    return mark.exists()


def test_the_stock_manager_interrupts_an_idle_kernel_at_shutdown_and_the_quiet_one_does_not(tmp_path):
    assert run(tmp_path, AsyncKernelManager)  # the cause: a SIGINT on every shutdown
    assert not run(tmp_path, QuietShutdownKernelManager)
