/* Parse and validate NAME.json function configs (Lambda's field names). */
#include "runtime/config.h"
#include "common/buf.h"
#include "common/xmalloc.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR_TYPE "InvalidParameterValueException"

void
sl_config_init(struct sl_fn_config *c)
{
	memset(c, 0, sizeof(*c));
	c->timeout_s = SL_CONFIG_TIMEOUT_DEFAULT;
	c->memory_mb = SL_CONFIG_MEMORY_DEFAULT;
	c->reserved = -1;
	c->network = SL_NET_NONE;
	c->handler = xstrdup("handler");
}

void
sl_config_release(struct sl_fn_config *c)
{
	free(c->ports);
	xfree_strv(c->env_names, c->nenv);
	xfree_strv(c->env_values, c->nenv);
	xfree_strv(c->read_paths, c->nread);
	xfree_strv(c->write_paths, c->nwrite);
	free(c->handler);
	free(c->description);
	memset(c, 0, sizeof(*c));
}

static char **
dup_strv(char *const *v, size_t n)
{
	char **r = n ? xcalloc(n, sizeof(*r)) : NULL;
	size_t i;

	for (i = 0; i < n; i++)
		r[i] = xstrdup(v[i]);
	return r;
}

void
sl_config_copy(struct sl_fn_config *dst, const struct sl_fn_config *src)
{
	*dst = *src;
	dst->ports = NULL;
	if (src->nports) {
		dst->ports = xcalloc(src->nports, sizeof(*dst->ports));
		memcpy(
		    dst->ports, src->ports, src->nports * sizeof(*dst->ports));
	}
	dst->env_names = dup_strv(src->env_names, src->nenv);
	dst->env_values = dup_strv(src->env_values, src->nenv);
	dst->read_paths = dup_strv(src->read_paths, src->nread);
	dst->write_paths = dup_strv(src->write_paths, src->nwrite);
	dst->handler = xstrdup(src->handler);
	dst->description = src->description ? xstrdup(src->description) : NULL;
}

const char *
sl_config_network_name(enum sl_network n)
{
	switch (n) {
	case SL_NET_LOOPBACK:
		return "loopback";
	case SL_NET_ANY:
		return "any";
	default:
		return "none";
	}
}

char *
sl_config_expand(const char *s, const struct sl_config_vars *vars,
    const char *what, struct sl_err *err)
{
	struct sl_buf b = SL_BUF_INIT;
	const char *p = s;

	sl_buf_init(&b);
	while (*p != '\0') {
		const char *end, *val = NULL;
		size_t n;

		if (p[0] != '$' || p[1] != '{') {
			sl_buf_addch(&b, *p++);
			continue;
		}
		end = strchr(p, '}');
		if (end == NULL) {
			sl_err_set(err, ERR_TYPE, "%s: unterminated ${ in '%s'",
			    what, s);
			goto fail;
		}
		n = (size_t)(end - p - 2);
		if (n == 15 && strncmp(p + 2, "SLUICE_DATA_DIR", n) == 0)
			val = vars ? vars->data_dir : NULL;
		else if (n == 19 &&
		         strncmp(p + 2, "SLUICE_FUNCTION_DIR", n) == 0)
			val = vars ? vars->function_dir : NULL;
		else {
			sl_err_set(err, ERR_TYPE,
			    "%s: unknown variable ${%.*s} (known: "
			    "SLUICE_DATA_DIR, SLUICE_FUNCTION_DIR)",
			    what, (int)n, p + 2);
			goto fail;
		}
		if (val == NULL) {
			sl_err_set(err, ERR_TYPE, "%s: ${%.*s} is not set",
			    what, (int)n, p + 2);
			goto fail;
		}
		sl_buf_addstr(&b, val);
		p = end + 1;
	}
	return sl_buf_detach(&b, NULL);
fail:
	sl_buf_release(&b);
	return NULL;
}

static int
parse_paths(const cJSON *arr, const char *what, const char *field,
    const struct sl_config_vars *vars, char ***out, size_t *nout,
    struct sl_err *err)
{
	const cJSON *it;
	size_t n = 0;
	char buf[300];

	if (!cJSON_IsArray(arr))
		return sl_err_set(err, ERR_TYPE,
		    "%s: field Paths.%s must be an array of strings", what,
		    field);
	xfree_strv(*out, *nout);
	*nout = 0;
	*out = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(char *));
	cJSON_ArrayForEach(it, arr)
	{
		char *x;

		if (!cJSON_IsString(it) || it->valuestring[0] == '\0')
			return sl_err_set(err, ERR_TYPE,
			    "%s: field Paths.%s[%zu] must be a non-empty "
			    "string",
			    what, field, n);
		snprintf(buf, sizeof(buf), "%s: field Paths.%s[%zu]", what,
		    field, n);
		x = sl_config_expand(it->valuestring, vars, buf, err);
		if (x == NULL)
			return -1;
		if (x[0] != '/') {
			free(x);
			return sl_err_set(err, ERR_TYPE,
			    "%s: field Paths.%s[%zu] must be an absolute path",
			    what, field, n);
		}
		(*out)[n++] = x;
		*nout = n;
	}
	return 0;
}

/* Names the runtime sets itself, or that would change how the worker
 * image is loaded before its sandbox is in place. */
static int
env_reserved(const char *n)
{
	return strncmp(n, "LD_", 3) == 0 || strcmp(n, "GLIBC_TUNABLES") == 0 ||
	       strcmp(n, "AWS_REGION") == 0 ||
	       strncmp(n, "AWS_LAMBDA_", 11) == 0;
}

static int
is_symbol(const char *s)
{
	const char *p;

	if (*s == '\0' || (*s >= '0' && *s <= '9'))
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		        (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

static int
parse_obj(struct sl_fn_config *c, const cJSON *root, const char *what,
    const struct sl_config_vars *vars, struct sl_err *err)
{
	const cJSON *f, *g, *it;

	if (!cJSON_IsObject(root))
		return sl_err_set(
		    err, ERR_TYPE, "%s: must be a JSON object", what);
	cJSON_ArrayForEach(f, root)
	{
		const char *k = f->string;

		if (strcmp(k, "Timeout") == 0) {
			if (!cJSON_IsNumber(f) || !(f->valuedouble >= 1) ||
			    f->valuedouble > 900)
				return sl_err_set(err, ERR_TYPE,
				    "%s: field Timeout must be a number of "
				    "seconds from 1 to 900",
				    what);
			c->timeout_s = f->valuedouble;
		} else if (strcmp(k, "MemorySize") == 0) {
			if (!cJSON_IsNumber(f) || f->valuedouble < 16 ||
			    f->valuedouble > 10240 ||
			    f->valuedouble != floor(f->valuedouble))
				return sl_err_set(err, ERR_TYPE,
				    "%s: field MemorySize must be an integer "
				    "number of MB from 16 to 10240",
				    what);
			c->memory_mb = (unsigned)f->valuedouble;
		} else if (strcmp(k, "ReservedConcurrency") == 0) {
			if (!cJSON_IsNumber(f) || f->valuedouble < 0 ||
			    f->valuedouble > 10000 ||
			    f->valuedouble != floor(f->valuedouble))
				return sl_err_set(err, ERR_TYPE,
				    "%s: field ReservedConcurrency must be an "
				    "integer from 0 to 10000",
				    what);
			c->reserved = (int)f->valuedouble;
		} else if (strcmp(k, "Network") == 0) {
			if (!cJSON_IsString(f))
				goto bad_net;
			if (strcmp(f->valuestring, "none") == 0)
				c->network = SL_NET_NONE;
			else if (strcmp(f->valuestring, "loopback") == 0)
				c->network = SL_NET_LOOPBACK;
			else if (strcmp(f->valuestring, "any") == 0)
				c->network = SL_NET_ANY;
			else
				goto bad_net;
		} else if (strcmp(k, "Ports") == 0) {
			size_t n = 0;

			if (!cJSON_IsArray(f))
				goto bad_ports;
			free(c->ports);
			c->ports = xcalloc((size_t)cJSON_GetArraySize(f) + 1,
			    sizeof(*c->ports));
			cJSON_ArrayForEach(it, f)
			{
				if (!cJSON_IsNumber(it) ||
				    it->valuedouble < 1 ||
				    it->valuedouble > 65535 ||
				    it->valuedouble != floor(it->valuedouble))
					goto bad_ports;
				c->ports[n++] = (uint16_t)it->valuedouble;
			}
			c->nports = n;
		} else if (strcmp(k, "Environment") == 0) {
			if (!cJSON_IsObject(f))
				return sl_err_set(err, ERR_TYPE,
				    "%s: field Environment must be an object "
				    "{\"Variables\": {...}}",
				    what);
			cJSON_ArrayForEach(g, f)
			{
				size_t n, cap;

				if (strcmp(g->string, "Variables") != 0)
					return sl_err_set(err, ERR_TYPE,
					    "%s: unknown field Environment.%s",
					    what, g->string);
				if (!cJSON_IsObject(g))
					return sl_err_set(err, ERR_TYPE,
					    "%s: field Environment.Variables "
					    "must be an object of strings",
					    what);
				xfree_strv(c->env_names, c->nenv);
				xfree_strv(c->env_values, c->nenv);
				c->nenv = 0;
				cap = (size_t)cJSON_GetArraySize(g) + 1;
				c->env_names = xcalloc(cap, sizeof(char *));
				c->env_values = xcalloc(cap, sizeof(char *));
				n = 0;
				cJSON_ArrayForEach(it, g)
				{
					char name[300];
					char *v;

					snprintf(name, sizeof(name),
					    "Environment.Variables.%s",
					    it->string);
					if (!cJSON_IsString(it))
						return sl_err_set(err, ERR_TYPE,
						    "%s: field %s must be a "
						    "string",
						    what, name);
					if (it->string[0] == '\0' ||
					    strchr(it->string, '=') != NULL)
						return sl_err_set(err, ERR_TYPE,
						    "%s: field %s: invalid "
						    "variable name",
						    what, name);
					if (env_reserved(it->string))
						return sl_err_set(err, ERR_TYPE,
						    "%s: field %s: reserved "
						    "variable name (LD_*, "
						    "GLIBC_TUNABLES, "
						    "AWS_REGION, "
						    "AWS_LAMBDA_*)",
						    what, name);
					char where[600];

					snprintf(where, sizeof(where),
					    "%s: field %s", what, name);
					v = sl_config_expand(
					    it->valuestring, vars, where, err);
					if (v == NULL)
						return -1;
					c->env_names[n] = xstrdup(it->string);
					c->env_values[n] = v;
					c->nenv = ++n;
				}
			}
		} else if (strcmp(k, "Paths") == 0) {
			if (!cJSON_IsObject(f))
				return sl_err_set(err, ERR_TYPE,
				    "%s: field Paths must be an object "
				    "{\"read\": [], \"write\": []}",
				    what);
			cJSON_ArrayForEach(g, f)
			{
				if (strcmp(g->string, "read") == 0) {
					if (parse_paths(g, what, "read", vars,
					        &c->read_paths, &c->nread,
					        err) < 0)
						return -1;
				} else if (strcmp(g->string, "write") == 0) {
					if (parse_paths(g, what, "write", vars,
					        &c->write_paths, &c->nwrite,
					        err) < 0)
						return -1;
				} else
					return sl_err_set(err, ERR_TYPE,
					    "%s: unknown field Paths.%s", what,
					    g->string);
			}
		} else if (strcmp(k, "Handler") == 0) {
			if (!cJSON_IsString(f) || !is_symbol(f->valuestring))
				return sl_err_set(err, ERR_TYPE,
				    "%s: field Handler must be a C symbol "
				    "name",
				    what);
			free(c->handler);
			c->handler = xstrdup(f->valuestring);
		} else if (strcmp(k, "Description") == 0) {
			if (!cJSON_IsString(f))
				return sl_err_set(err, ERR_TYPE,
				    "%s: field Description must be a string",
				    what);
			free(c->description);
			c->description = xstrdup(f->valuestring);
		} else {
			return sl_err_set(err, ERR_TYPE,
			    "%s: unknown field %s (known: Timeout, MemorySize, "
			    "ReservedConcurrency, Network, Ports, Environment, "
			    "Paths, Handler, Description)",
			    what, k);
		}
	}
	if (c->nports > 0 && c->network != SL_NET_LOOPBACK)
		return sl_err_set(err, ERR_TYPE,
		    "%s: field Ports is only meaningful with Network "
		    "\"loopback\"",
		    what);
	return 0;
bad_net:
	return sl_err_set(err, ERR_TYPE,
	    "%s: field Network must be \"none\", \"loopback\" or \"any\"",
	    what);
bad_ports:
	return sl_err_set(err, ERR_TYPE,
	    "%s: field Ports must be an array of TCP ports (1-65535)", what);
}

int
sl_config_parse(struct sl_fn_config *c, const char *json, size_t len,
    const char *what, const struct sl_config_vars *vars, struct sl_err *err)
{
	cJSON *root;
	const char *end = NULL;

	sl_config_init(c);
	root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
	if (root == NULL) {
		sl_err_set(err, ERR_TYPE, "%s: not valid JSON near byte %zu",
		    what, end ? (size_t)(end - json) : (size_t)0);
		goto fail;
	}
	if (parse_obj(c, root, what, vars, err) < 0)
		goto fail;
	cJSON_Delete(root);
	return 0;
fail:
	cJSON_Delete(root);
	sl_config_release(c);
	return -1;
}

int
sl_config_load(struct sl_fn_config *c, const char *path,
    const struct sl_config_vars *vars, struct sl_err *err)
{
	FILE *f;
	struct sl_buf b = SL_BUF_INIT;
	char chunk[4096];
	size_t n;
	const char *base;
	int rc;

	f = fopen(path, "re");
	if (f == NULL) {
		if (errno == ENOENT) {
			sl_config_init(c);
			return 0;
		}
		sl_config_init(c);
		sl_config_release(c);
		return sl_err_set(
		    err, ERR_TYPE, "%s: %s", path, strerror(errno));
	}
	sl_buf_init(&b);
	while (
	    (n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < 1024 * 1024)
		sl_buf_add(&b, chunk, n);
	fclose(f);
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	rc = sl_config_parse(c, b.data, b.len, base, vars, err);
	sl_buf_release(&b);
	return rc;
}
