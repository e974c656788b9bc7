/* A function's configuration: NAME.json beside NAME.so, with Lambda's field
 * names. Unknown or wrongly typed fields are rejected, naming the field. */
#ifndef SL_CONFIG_H
#define SL_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

enum sl_network {
	SL_NET_NONE,     /* an empty network namespace; no TCP at all */
	SL_NET_LOOPBACK, /* the host's namespace; TCP connect only to Ports */
	SL_NET_ANY,      /* the host's namespace, unrestricted */
};

#define SL_CONFIG_TIMEOUT_DEFAULT 3.0
#define SL_CONFIG_MEMORY_DEFAULT 128u

struct sl_fn_config {
	double timeout_s;   /* Timeout: 1..900 s, default 3 */
	unsigned memory_mb; /* MemorySize: 16..10240 MB, default 128 */
	int reserved;       /* ReservedConcurrency, -1 when unset */
	enum sl_network network;
	uint16_t *ports; /* Ports (for loopback); nports entries */
	size_t nports;
	char **env_names; /* Environment.Variables, nenv pairs */
	char **env_values;
	size_t nenv;
	char **read_paths; /* Paths.read, expanded */
	size_t nread;
	char **write_paths; /* Paths.write, expanded */
	size_t nwrite;
	char *handler;     /* Handler symbol, default "handler" */
	char *description; /* Description, may be NULL */
};

/* Values substituted for ${SLUICE_DATA_DIR} and ${SLUICE_FUNCTION_DIR} in
 * environment values and paths. Borrowed; NULL means unset (a reference to
 * an unset variable is an error). */
struct sl_config_vars {
	const char *data_dir;
	const char *function_dir;
};

/* Defaults: Timeout 3, MemorySize 128, Network none, Handler "handler". */
void sl_config_init(struct sl_fn_config *c);
void sl_config_release(struct sl_fn_config *c);
/* Parse JSON text into c (initialised by the call). what names the source
 * in messages (e.g. the file name). On error returns -1, c is left
 * released, and err says which field is wrong
 * (InvalidParameterValueException). */
int sl_config_parse(struct sl_fn_config *c, const char *json, size_t len,
    const char *what, const struct sl_config_vars *vars, struct sl_err *err);
/* Read and parse path; a missing file gives the defaults. */
int sl_config_load(struct sl_fn_config *c, const char *path,
    const struct sl_config_vars *vars, struct sl_err *err);
/* Deep copy. */
void sl_config_copy(struct sl_fn_config *dst, const struct sl_fn_config *src);
/* Expand the variables in s; NULL + err when one is unknown or unset.
 * The caller frees the result. */
char *sl_config_expand(const char *s, const struct sl_config_vars *vars,
    const char *what, struct sl_err *err);
const char *sl_config_network_name(enum sl_network n);

#endif
