/* Retry and Catch: which retrier or catcher handles an error, with the
 * States Language's matching rules, and the delay before a retry. */
#include <math.h>
#include <string.h>

#include "orchestrator/engine_int.h"

/* States.Runtime is never retried nor caught, not even when named (as on
 * AWS: it always fails the execution). States.ALL matches every other
 * error; States.BranchFailed every error that a Parallel branch or a Map
 * iteration failed with; States.TaskFailed matches every error but
 * States.Timeout and States.Runtime. */
int
asl_error_matches(const struct asl_errors *on, const char *error,
    int from_branch)
{
	int i;

	if (strcmp(error, "States.Runtime") == 0)
		return 0;
	for (i = 0; i < on->n; i++) {
		const char *n = on->names[i];

		if (strcmp(n, error) == 0)
			return 1;
		if (strcmp(n, "States.ALL") == 0)
			return 1;
		if (from_branch && strcmp(n, "States.BranchFailed") == 0)
			return 1;
		if (strcmp(n, "States.TaskFailed") == 0 &&
		    strcmp(error, "States.Timeout") != 0 &&
		    strcmp(error, "States.HeartbeatTimeout") != 0 &&
		    strcmp(error, "States.DataLimitExceeded") != 0)
			return 1;
	}
	return 0;
}

int
asl_retrier_find(const struct asl_state *st, const char *error,
    int from_branch)
{
	int i;

	for (i = 0; i < st->nretry; i++)
		if (asl_error_matches(&st->retry[i].on, error, from_branch))
			return i;
	return -1;
}

int
asl_catcher_find(const struct asl_state *st, const char *error,
    int from_branch)
{
	int i;

	for (i = 0; i < st->ncatch; i++)
		if (asl_error_matches(&st->catch[i].on, error,
		    from_branch))
			return i;
	return -1;
}

/* IntervalSeconds * BackoffRate^attempts, capped by MaxDelaySeconds; with
 * JitterStrategy FULL a uniform random delay in [0, that]. rnd is in
 * [0, 1). */
int64_t
asl_retry_delay_ms(const struct asl_retrier *r, int attempts, double rnd)
{
	double d = r->interval * pow(r->backoff, attempts);

	if (r->max_delay > 0 && d > r->max_delay)
		d = r->max_delay;
	if (d > 1e9)
		d = 1e9;
	if (r->jitter_full)
		d *= rnd;
	return (int64_t)llround(d * 1000.0);
}
