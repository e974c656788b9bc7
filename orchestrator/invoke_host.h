/* An engine invoker (struct sl_engine_invoker) over the function host
 * (runtime/host.h): Task states run real sandboxed functions. */
#ifndef SL_INVOKE_HOST_H
#define SL_INVOKE_HOST_H

#include "orchestrator/engine.h"
#include "runtime/host.h"

struct sl_invoke_host;

/* host is borrowed and must outlive the adapter. */
struct sl_invoke_host *sl_invoke_host_new(struct sl_host *host);
/* Cancels what is still in flight. */
void sl_invoke_host_free(struct sl_invoke_host *ih);
struct sl_engine_invoker sl_invoke_host_iface(struct sl_invoke_host *ih);
/* Region and account for the function ARNs in error causes (defaults
 * us-east-1 and 000000000000; strings are copied). */
void sl_invoke_host_set_account(struct sl_invoke_host *ih, const char *region,
    const char *account);
/* Completions go to e (set once the engine exists). */
void sl_invoke_host_attach(struct sl_invoke_host *ih, struct sl_engine *e);

#endif
