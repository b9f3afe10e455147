"""A kernel manager that shuts an idle notebook kernel down without interrupting it first.

Why: jupyter_client 8's `shutdown_kernel` always sends the kernel SIGINT before asking it to
shut down (meant for a kernel still running code). Papermill shuts the kernel down only after
the last cell finished, so the interrupt can only land on an idle kernel — and when it lands
while ipykernel is between messages (a race, roughly one stage in ten), ipykernel logs
`[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.` on stderr, at ERROR level, on a run
that passed. Schedulers mail stderr as a failure. Skipping that interrupt removes the cause; the
polite shutdown request that follows, and the kill if the kernel does not exit in time, are
unchanged. Interrupts asked for while the kernel runs (nbclient's timeout) are unchanged too.

Use: `papermill.execute_notebook(..., kernel_manager_class=QuietShutdownKernelManager)`.
"""

from __future__ import annotations

from jupyter_client.manager import AsyncKernelManager


class QuietShutdownKernelManager(AsyncKernelManager):
    """`AsyncKernelManager` minus the SIGINT it sends at shutdown."""

    async def _async_interrupt_kernel(self) -> None:
        if self.shutting_down:  # set by _async_shutdown_kernel just before it interrupts
            return
        await super()._async_interrupt_kernel()
