/* The engine's invoker over the function host: one sl_host_invoke per Task
 * attempt; the host's result becomes an sl_task_result. */
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "orchestrator/invoke_host.h"

struct call {
	struct sl_invoke_host *ih;
	uint64_t token;
	uint64_t id;
	char *function;
	struct call *prev, *next;
};

struct sl_invoke_host {
	struct sl_host *host;
	char *region;
	char *account;
	struct sl_engine *engine;
	struct call *calls;
};

static void
call_unlink(struct call *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->ih->calls = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	free(c->function);
	free(c);
}

/* The function as AWS names it in messages: a full ARN with a qualifier. */
static char *
qualified_arn(const struct sl_invoke_host *ih, const char *fn)
{
	const char *p;
	int colons = 0;

	if (strncmp(fn, "arn:", 4) != 0)
		return xasprintf("arn:aws:lambda:%s:%s:function:%s%s",
		    ih->region, ih->account, fn, strchr(fn, ':') ? "" :
		    ":$LATEST");
	for (p = fn; *p; p++)
		colons += *p == ':';
	return colons >= 7 ? xstrdup(fn) : xasprintf("%s:$LATEST", fn);
}

static void
host_done(void *arg, const struct sl_invoke_result *res)
{
	struct call *c = arg;
	struct sl_invoke_host *ih = c->ih;
	struct sl_task_result r = { 0 };
	uint64_t token = c->token;
	char *arn = NULL;

	if (res->status == 200 && res->function_error == NULL) {
		r.outcome = SL_TASK_OK;
		r.payload = res->payload;
		r.payload_len = res->payload_len;
	} else if (res->status == 200) {
		r.outcome = SL_TASK_FUNCTION_ERROR;
		r.payload = res->payload;
		r.payload_len = res->payload_len;
		r.error_type = res->error_type;
		r.error_message = res->error_message;
	} else {
		r.outcome = SL_TASK_HOST_ERROR;
		r.error_type = res->error_type ? res->error_type :
		    "ServiceException";
		r.error_message = res->error_message;
		arn = qualified_arn(ih, c->function);
		r.function_arn = arn;
	}
	call_unlink(c);
	if (ih->engine != NULL)
		sl_engine_task_done(ih->engine, token, &r);
	free(arn);
}

static uint64_t
ih_invoke(void *arg, const struct sl_engine_invocation *inv)
{
	struct sl_invoke_host *ih = arg;
	struct call *c = xcalloc(1, sizeof(*c));
	struct sl_invoke_request req = {
		.function = inv->function,
		.payload = inv->payload,
		.payload_len = inv->payload_len,
		.type = SL_INVOKE_REQUEST_RESPONSE,
		/* The engine's own timer ends the Task with States.Timeout
		 * and cancels the call; the host's cap, a second later, only
		 * guards against a lost cancel (and must not win the race
		 * with its Sandbox.Timedout). */
		.timeout_cap_ms = inv->timeout_ms ? inv->timeout_ms + 1000 : 0,
		.queue_unbounded = 1,
	};

	c->ih = ih;
	req.idempotency_key = inv->idempotency_key;
	c->token = inv->token;
	c->function = xstrdup(inv->function);
	c->next = ih->calls;
	if (ih->calls != NULL)
		ih->calls->prev = c;
	ih->calls = c;
	c->id = sl_host_invoke(ih->host, &req, host_done, c);
	if (c->id == 0) {
		call_unlink(c);
		return 0;
	}
	/* The handle is the call record: ids are the host's, cancel needs
	 * ours to unlink it. */
	return (uint64_t)(uintptr_t)c;
}

static void
ih_cancel(void *arg, uint64_t handle)
{
	struct sl_invoke_host *ih = arg;
	struct call *c = (struct call *)(uintptr_t)handle;

	/* The engine cancels only calls not yet reported, whose records
	 * are still here. */
	sl_host_cancel(ih->host, c->id);
	call_unlink(c);
}

struct sl_invoke_host *
sl_invoke_host_new(struct sl_host *host)
{
	struct sl_invoke_host *ih = xcalloc(1, sizeof(*ih));

	ih->host = host;
	ih->region = xstrdup("us-east-1");
	ih->account = xstrdup("000000000000");
	return ih;
}

void
sl_invoke_host_free(struct sl_invoke_host *ih)
{
	if (ih == NULL)
		return;
	while (ih->calls != NULL) {
		sl_host_cancel(ih->host, ih->calls->id);
		call_unlink(ih->calls);
	}
	free(ih->region);
	free(ih->account);
	free(ih);
}

struct sl_engine_invoker
sl_invoke_host_iface(struct sl_invoke_host *ih)
{
	struct sl_engine_invoker inv = {
		.invoke = ih_invoke,
		.cancel = ih_cancel,
		.arg = ih,
	};

	return inv;
}

void
sl_invoke_host_set_account(struct sl_invoke_host *ih, const char *region,
    const char *account)
{
	if (region != NULL) {
		free(ih->region);
		ih->region = xstrdup(region);
	}
	if (account != NULL) {
		free(ih->account);
		ih->account = xstrdup(account);
	}
}

void
sl_invoke_host_attach(struct sl_invoke_host *ih, struct sl_engine *e)
{
	ih->engine = e;
}
