/* selfcheck: what `bank-callback --check` runs. */
#ifndef SELFCHECK_H
#define SELFCHECK_H

#include "config.h"

/* The user the shipped units run the handler as (systemd's DynamicUser,
 * xinetd's user). */
#define SERVICE_USER "bank-callback"

/* Checks the set-up as a request would use it, printing one line per
 * thing checked; config_file is -c's (or NULL), config_error, when not
 * NULL, why it did not load.  Run as root, it also reads every file
 * the settings name as SERVICE_USER, or says it cannot.  0, or 1 when
 * anything failed. */
int selfcheck(const struct config *cfg, const char *config_file,
	      const char *config_error);

#endif
