/* selfcheck: what `bank-callback --check` runs. */
#ifndef SELFCHECK_H
#define SELFCHECK_H

#include "config.h"

/* Checks the set-up as a request would use it, printing one line per
 * thing checked; config_error, when not NULL, is why the -c file did not
 * load.  0, or 1 when anything failed. */
int selfcheck(const struct config *cfg, const char *config_error);

#endif
