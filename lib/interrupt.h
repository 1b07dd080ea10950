/* interrupt: SIGTERM and SIGINT as a request to stop at the next safe
 * point, for long runs (a batch scheduler's preemption, a user's Ctrl-C).
 *
 * After pt_interrupt_install(), the first SIGTERM or SIGINT only records
 * the signal: the program polls pt_interrupt_pending() where stopping is
 * safe (train: after an optimizer step; evaluation: between batches), saves
 * what resumes, and exits with 128 + the signal. A second signal ends the
 * process at once with the default action (killed by that signal), leaving
 * whatever was written atomically before it intact. */
#ifndef PT_INTERRUPT_H
#define PT_INTERRUPT_H

/* Installs the handlers for SIGTERM and SIGINT (sigaction, SA_RESTART: a
 * system call the signal interrupts goes on). */
void pt_interrupt_install(void);

/* The signal received (SIGTERM or SIGINT), or 0 while none was. */
int pt_interrupt_pending(void);

/* Puts back the default actions (a signal from now on ends the process). */
void pt_interrupt_uninstall(void);

#endif
