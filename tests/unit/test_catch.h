/* Catching pt_die/pt_usage_error in a unit test (lib/util.h): a test sets
 * pt_set_error_handler(handler), runs the call under `if (setjmp(env) ==
 * 0)`, and finds the status it died with in got_status (left 0 when it
 * returned) and its message in got_msg. For tests only; include after
 * <setjmp.h>. */
#ifndef PT_TEST_CATCH_H
#define PT_TEST_CATCH_H

#include <stdio.h>

#include "util.h"

static jmp_buf env;
static int got_status;
static char got_msg[256];

static void handler(int status, const char *msg)
{
	got_status = status;
	snprintf(got_msg, sizeof got_msg, "%s", msg);
	longjmp(env, 1);
}

#endif
