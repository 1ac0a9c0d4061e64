/* audit: the append-only record of every request the bank signed. */
#ifndef DB_AUDIT_H
#define DB_AUDIT_H

#include "../buf.h"
#include "../callback.h"

#include <libpq-fe.h>

/* Inserts one bank_callback_audit row: the route, every field of the
 * verified callback cb with its hashes, the body as received, the status
 * we answer and what we did; then COMMITs c's open transaction, in one
 * round trip.  0 only when the server said it committed, else -1 with a
 * message in err. */
int audit_insert_commit(PGconn *c, struct slice route, const struct callback *cb,
			struct slice body, int status, const char *verdict,
			char *err, size_t errlen);

#endif
