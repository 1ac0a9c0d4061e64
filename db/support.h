/* support: what support asks of the audit trail, without SQL.
 *
 *   bank-callback --show ID     every audited post naming ID as its
 *                               TrxId, OrdId, UsrId or UsrCustId
 *   bank-callback --stats [--since TIME]   posts by route, status and
 *                               verdict since TIME (default: today, China)
 *
 * Both print to stdout with the handler's settings and role; ids and
 * outcomes only, never a field's value or the body. */
#ifndef DB_SUPPORT_H
#define DB_SUPPORT_H

/* --show: 0; 1 when no audited post names id, or with a line on stdout
 * saying what failed. */
int support_show(const char *id);
/* --stats: 0; 1 with a line on stdout saying what failed; 2 when
 * PostgreSQL does not read since as a time (said on stderr). */
int support_stats(const char *since);

#endif
