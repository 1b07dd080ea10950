/* interrupt: SIGTERM/SIGINT as a stop request (see interrupt.h). */
#include "interrupt.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t pending;

static void on_signal(int sig)
{
	if (pending) {   /* the second one: at once, as if no handler were set */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	pending = sig;
}

static void set_action(void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

void pt_interrupt_install(void)
{
	set_action(on_signal);
}

void pt_interrupt_uninstall(void)
{
	set_action(SIG_DFL);
}

int pt_interrupt_pending(void)
{
	return pending;
}
