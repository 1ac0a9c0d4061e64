/* deadline: the clock, and the one time budget of a request.
 *
 * A process serves one request, so its budget is process-wide.  Waits
 * on PostgreSQL's answers end by it (db/pg.c); libpq's connect time-out
 * and Redis's socket time-outs are sized from it (a name lookup has
 * none); the alarm in bank-callback.c is the last resort behind them,
 * still inside the unit's RuntimeMaxSec. */
#ifndef DEADLINE_H
#define DEADLINE_H

enum {
	/* From the process's start to the end of the work: the read
	 * (CONN_TIMEOUT_MS) fits, and an answer still goes out before
	 * the unit's RuntimeMaxSec=30. */
	REQUEST_BUDGET_MS = 25000,
};

/* Milliseconds on a monotonic clock. */
long long now_ms(void);

/* Sets the request's deadline budget_ms from now.  Until it is called
 * there is none (--check, tools). */
void deadline_start(long long budget_ms);

/* The absolute time (now_ms) a step that may take step_ms must end by:
 * step_ms from now, or the request's deadline if that comes first. */
long long deadline_for(long long step_ms);

/* Milliseconds until deadline_for(step_ms), at least 0. */
long long deadline_left(long long step_ms);

#endif
