/* statements: every SQL statement a request runs, by name.
 *
 * Each is defined beside the code that runs it; this list lets --check
 * EXPLAIN every one as the handler's role, which checks the privileges
 * the statement needs without running it (db/check.c).  A new statement
 * goes here and into check.c's table. */
#ifndef DB_STATEMENTS_H
#define DB_STATEMENTS_H

extern const char sql_signature_lock[];     /* db/signatures.c */
extern const char sql_signature_lookup[];
extern const char sql_signature_count_answer[];
extern const char sql_signature_count_retry[];
extern const char sql_audit_insert[];       /* db/audit.c */
extern const char sql_audit_insert_answer[];
extern const char sql_customer_insert[];    /* handlers/register.c */
extern const char sql_customer_bound[];
extern const char sql_corp_current[];       /* handlers/corpregister.c */
extern const char sql_corp_upsert[];
extern const char sql_netsave_insert[];     /* handlers/netsave.c */
extern const char sql_order_insert[];       /* handlers/orders.c */
extern const char sql_order_notice[];
extern const char sql_refresh_customers[];  /* handlers/refreshredis.c */
extern const char sql_refresh_customers_pnrid[];
extern const char sql_refresh_mer_customers[];
extern const char sql_refresh_since[];
extern const char sql_catch_up_customers[];
extern const char sql_catch_up_customers_pnrid[];
extern const char sql_catch_up_mer_customers[];
extern const char sql_health[];             /* db/pg.c */
extern const char sql_support_show[];       /* db/support.c */
extern const char sql_support_stats[];
extern const char sql_support_since[];

#endif
