/* deadline: the clock and the request's time budget.  See deadline.h. */
#include "deadline.h"

#include <time.h>

static long long request_end; /* 0: no budget */

long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void deadline_start(long long budget_ms)
{
	request_end = now_ms() + budget_ms;
}

long long deadline_for(long long step_ms)
{
	long long end = now_ms() + step_ms;

	return request_end && request_end < end ? request_end : end;
}

long long deadline_left(long long step_ms)
{
	long long left = deadline_for(step_ms) - now_ms();

	return left > 0 ? left : 0;
}
